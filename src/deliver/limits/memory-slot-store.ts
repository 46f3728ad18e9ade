import type { SlotGrant, SlotRequest, SlotStore, SlotTicket } from './slot-store';

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

  forgetUpTo(instant: number): void {
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

  /** Moves one grant made at `from` to `to` (now: the newest instant); one already forgotten comes back. */
  move(from: number, to: number): void {
    const run = this.runAt(from);
    if (run !== -1) {
      this.counts[run]! -= 1;
      this.total -= 1;
    }
    this.add(to, 1);
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

  private runAt(instant: number): number {
    let low = this.head;
    let high = this.at.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.at[mid]! < instant) low = mid + 1;
      else high = mid;
    }
    return low < this.at.length && this.at[low] === instant && this.counts[low]! > 0 ? low : -1;
  }
}

/**
 * The sliding log in this process, for a single replica without Redis; the same arithmetic as
 * the Redis script. Logs are kept in order of last use, so the front is the one idle longest:
 * forgetting those whose newest grant has left its window costs a look at the front on each
 * take (and on each size read), and no timer. A ticket is the instant of its grant.
 */
export class MemorySlotStore implements SlotStore {
  private readonly logs = new Map<string, GrantLog>();
  /** The hot path: one busy destination need not be moved to the back on every take. */
  private lastKey: string | undefined;
  private sweptAtMs = -Infinity;

  constructor(private readonly now: () => number = Date.now) {}

  take(request: SlotRequest): SlotGrant {
    const nowMs = this.now();
    this.forgetIdle(nowMs);
    const log = this.logs.get(request.key) ?? new GrantLog(request.windowMs);
    log.windowMs = request.windowMs;
    log.forgetUpTo(nowMs - request.windowMs);
    const count = log.total;
    const granted = Math.max(0, Math.min(request.wanted, request.max - count));
    log.add(nowMs, granted);
    this.touch(request.key, log);
    const tickets = new Array<SlotTicket>(granted).fill(nowMs);
    if (granted === request.wanted) return { tickets, retryInMs: 0 };
    // Full: the next slot frees when the grant `max` places back from the newest leaves the window.
    const heldSince = log.instantOf(count + granted - request.max);
    return { tickets, retryInMs: Math.max(1, heldSince + request.windowMs - nowMs) };
  }

  finished(key: string, ticket: SlotTicket, windowMs: number): void {
    const log = this.logs.get(key);
    if (!log || typeof ticket !== 'number') return;
    const nowMs = this.now();
    log.forgetUpTo(nowMs - windowMs);
    log.move(ticket, nowMs);
    this.touch(key, log);
  }

  size(): number {
    this.forgetIdle(this.now());
    return this.logs.size;
  }

  async close(): Promise<void> {
    this.logs.clear();
  }

  /** Re-inserted, so the map stays in order of last use. */
  private touch(key: string, log: GrantLog): void {
    if (key === this.lastKey && log.total > 0 && this.logs.has(key)) return;
    this.logs.delete(key);
    if (log.total > 0) this.logs.set(key, log);
    this.lastKey = key;
  }

  /** Within the longest window in use, every idle log is gone. */
  private forgetIdle(nowMs: number): void {
    if (nowMs === this.sweptAtMs) return;
    this.sweptAtMs = nowMs;
    for (const [key, log] of this.logs) {
      if (log.newest() > nowMs - log.windowMs) return;
      this.logs.delete(key);
    }
  }
}
