import { LRUCache } from 'lru-cache';

/** Assumed until a destination has finished two deliveries here. */
const UNKNOWN_INTERVAL_MS = 20;
/** A wait this short is cheaper spent in the limiter than in a put-back's two round trips and a re-run. */
export const SHORT_WAIT_MS = 250;
/** However slow a destination, a put-back job is looked at again within this. */
const MAX_PUT_BACK_MS = 60_000;
// Weight of the newest gap in the moving average: a few deliveries are enough to follow a change.
const NEWEST_WEIGHT = 0.2;

interface Pace {
  lastMs: number;
  intervalMs: number;
}

/**
 * How fast each destination's deliveries finish in this process, so that a job waiting on a busy
 * destination is put back for about as long as the jobs ahead of it will take: not a fixed guess
 * that brings it back seconds late when the destination is fast, nor early into the same queue
 * when it is slow. Bounded: destinations not seen lately are forgotten.
 */
export class DestinationPace {
  private readonly paces = new LRUCache<string, Pace>({ max: 10_000 });

  constructor(
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  /** A delivery to `key` finished (delivered or not). */
  finished(key: string): void {
    const at = this.now();
    const pace = this.paces.get(key);
    if (!pace) {
      this.paces.set(key, { lastMs: at, intervalMs: UNKNOWN_INTERVAL_MS });
      return;
    }
    pace.intervalMs += NEWEST_WEIGHT * (Math.max(0, at - pace.lastMs) - pace.intervalMs);
    pace.lastMs = at;
  }

  /**
   * How long `waiting` jobs ahead should take to clear, at the pace seen. A destination that has
   * finished nothing for a while (a spent reservoir, a hung endpoint) is as slow as that while.
   */
  expectedWaitMs(key: string, waiting: number): number {
    const pace = this.paces.get(key);
    const intervalMs = pace ? Math.max(pace.intervalMs, this.now() - pace.lastMs) : UNKNOWN_INTERVAL_MS;
    return waiting * intervalMs;
  }

  /** When to look at a put-back job again: its expected wait, ±25 % so that put-back jobs do not return together. */
  putBackDelayMs(key: string, waiting: number): number {
    return Math.min(MAX_PUT_BACK_MS, this.expectedWaitMs(key, waiting) * (0.75 + this.random() * 0.5));
  }
}
