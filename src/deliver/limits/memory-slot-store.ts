import type { SlotGrant, SlotRequest, SlotStore } from './slot-store';

/**
 * One destination's grants, oldest first, as runs of (instant, how many): grants made in the same
 * millisecond share a run, so a high non-binding limit does not keep one entry per request.
 */
class GrantLog {
  private readonly at: number[] = [];
  private readonly counts: number[] = [];
  private head = 0;
  total = 0;

  constructor(public windowMs: number) {}

  newest(): number {
    return this.at.length > this.head ? this.at[this.at.length - 1]! : -Infinity;
  }

  forgetBefore(instant: number): void {
    while (this.head < this.at.length && this.at[this.head]! <= instant) {
      this.total -= this.counts[this.head]!;
      this.head += 1;
    }
    if (this.head > 64 && this.head * 2 > this.at.length) {
      this.at.splice(0, this.head);
      this.counts.splice(0, this.head);
      this.head = 0;
    }
  }

  add(instant: number, n: number): void {
    if (n <= 0) return;
    const last = this.at.length - 1;
    if (last >= this.head && this.at[last] === instant) this.counts[last]! += n;
    else {
      this.at.push(instant);
      this.counts.push(n);
    }
    this.total += n;
  }

  /** The instant of the grant at `position` from the oldest (0-based). */
  instantOf(position: number): number {
    let seen = 0;
    for (let i = this.head; i < this.at.length; i += 1) {
      seen += this.counts[i]!;
      if (seen > position) return this.at[i]!;
    }
    return this.newest();
  }
}

/**
 * The sliding log in this process, for a single replica without Redis; the same arithmetic as
 * the Redis script. Logs are kept in order of last use, so the front is the one idle longest:
 * forgetting those whose newest grant has left its window costs a look at the front on each
 * take (and on each size read), and no timer.
 */
export class MemorySlotStore implements SlotStore {
  private readonly logs = new Map<string, GrantLog>();

  constructor(private readonly now: () => number = Date.now) {}

  take(request: SlotRequest): SlotGrant {
    const nowMs = this.now();
    this.forgetIdle(nowMs);
    const log = this.logs.get(request.key) ?? new GrantLog(request.windowMs);
    log.windowMs = request.windowMs;
    log.forgetBefore(nowMs - request.windowMs);
    const count = log.total;
    const granted = Math.max(0, Math.min(request.wanted, request.max - count));
    log.add(nowMs, granted);
    // Re-inserted, so the map stays in order of last use.
    this.logs.delete(request.key);
    if (log.total > 0) this.logs.set(request.key, log);
    if (granted === request.wanted) return { granted, retryInMs: 0 };
    // Full: the next slot frees when the grant `max` places back from the newest leaves the window.
    const heldSince = log.instantOf(count + granted - request.max);
    return { granted, retryInMs: Math.max(1, heldSince + request.windowMs - nowMs) };
  }

  size(): number {
    this.forgetIdle(this.now());
    return this.logs.size;
  }

  async close(): Promise<void> {
    this.logs.clear();
  }

  /** Within the longest window in use, every idle log is gone. */
  private forgetIdle(nowMs: number): void {
    for (const [key, log] of this.logs) {
      if (log.newest() > nowMs - log.windowMs) return;
      this.logs.delete(key);
    }
  }
}
