import { LRUCache } from 'lru-cache';
import type { PriorityLevel } from '../../vocabulary';

/** Assumed until a destination has finished two deliveries here. */
const UNKNOWN_INTERVAL_MS = 20;
/** A wait this short is cheaper spent in the limiter than in a put-back's two round trips and a re-run. */
export const SHORT_WAIT_MS = 250;
/**
 * However slow a destination seems, a job put back on that guess alone is looked at again within
 * this: a limit raised meanwhile, a destination back from a stall, or workers freed after a burst
 * (the pace seen is also how fast this process got to the destination's jobs) are noticed by then.
 */
export const MAX_PUT_BACK_MS = 60_000;
/**
 * How far ahead a job's turn behind the jobs put back before it is kept. That turn is no guess:
 * one interval of the pace seen after the last, in the order they came. When it was cut at a
 * minute like a guess, every job beyond a minute of turns came back a minute later with all the
 * others, to be put back again: on a Saturday, with ~90,000 emails behind Resend's team limit of
 * 10 a second, ~1,500 runs a second for nothing, and the urgent runner, busy with the critical
 * and high emails among them, took two minutes to reach a critical SMS (bench/ figure 11). Beyond
 * a quarter of an hour of turns a job still comes back then, and waits again: the backlog past it
 * costs one run in 15 minutes, not one a minute. A limit raised meanwhile still helps at once,
 * for the deliveries planned since; none of the jobs waiting comes back later than its turn at
 * the old pace.
 */
export const MAX_QUEUED_TURN_MS = 15 * 60_000;
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
  /**
   * Per destination and level, when the last job put back is due: the next one of that level
   * queues after it. Per level because the limiter lets a critical job leave before normal ones.
   */
  private readonly reserved = new LRUCache<string, number>({ max: 10_000 });

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

  /**
   * When to look at a put-back job again: once the jobs ahead of it in the limiter should be done
   * (±25 %, so that jobs put back at once do not return together), and after every job of its
   * level put back before it, one interval of the destination's pace each. Without the second
   * part every job behind a saturated destination came back within the same few seconds, to be
   * put back again: behind Resend's team limit on a Saturday (10 a second, ~800 emails a second
   * planned) tens of thousands of jobs cycled through the queue for nothing, and the statements
   * they cost slowed every other delivery (bench/ figure 11). The first part is a guess and is cut
   * at MAX_PUT_BACK_MS; the second is the queue's own order and is cut at MAX_QUEUED_TURN_MS.
   */
  putBackDelayMs(key: string, waiting: number, level: PriorityLevel): number {
    const now = this.now();
    const ownTurn = Math.min(now + MAX_PUT_BACK_MS, now + this.expectedWaitMs(key, waiting) * (0.75 + this.random() * 0.5));
    const slot = `${level} ${key}`;
    const last = this.reserved.get(slot);
    const afterLast = last === undefined ? 0 : Math.min(now + MAX_QUEUED_TURN_MS, last + (this.paces.get(key)?.intervalMs ?? UNKNOWN_INTERVAL_MS));
    const at = Math.max(ownTurn, afterLast);
    this.reserved.set(slot, at);
    return at - now;
  }
}
