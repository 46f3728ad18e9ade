const HOUR_MS = 3_600_000;

/**
 * Per-person sliding-hour cap. Admitting returns the earliest instant at which one more
 * notification fits under the cap, and books it there; the excess is deferred, never dropped.
 * In memory: with several replicas each counts its own share (see README).
 *
 * Each person's bookings stay sorted and are searched by bisection: a runaway source that books
 * thousands of notifications for one person must not make every later decision scan them all.
 *
 * People are forgotten an hour after their last booking without being seen again: each decision
 * also looks at the two people booked longest ago (the map's front) and drops them if their
 * hour has passed, else moves them to the back. No timer; the map holds about the people of the
 * last hour.
 */
export class HourlyCapTracker {
  private readonly booked = new Map<string, number[]>();

  /** Books a notification for `person` at the first slot at or after `earliestMs` (quiet hours may put it after `nowMs`). */
  admit(person: string, earliestMs: number, cap: number, nowMs = earliestMs): number {
    this.sweep(nowMs);
    const times = this.current(person, earliestMs);
    const slot = firstFreeSlot(times, earliestMs, cap);
    times.splice(countAtOrBefore(times, slot), 0, slot);
    this.booked.delete(person);
    this.booked.set(person, times);
    return slot;
  }

  /**
   * Where an over-cap message's digest goes: the digest already booked for later, else the first
   * slot the cap frees, booked once for the whole digest (it is one notification, however many
   * changes it lists). Books nothing when one more fits now; the caller sends that at once.
   */
  digestSlot(person: string, nowMs: number, cap: number): number | null {
    this.sweep(nowMs);
    const times = this.current(person, nowMs);
    const slot = firstFreeSlot(times, nowMs, cap);
    if (slot <= nowMs) return null;
    const later = times[countAtOrBefore(times, nowMs)];
    if (later !== undefined) return later;
    times.push(slot);
    this.booked.delete(person);
    this.booked.set(person, times);
    return slot;
  }

  /** People held; with `nowMs`, after dropping every one whose hour has passed (for the gauge). */
  size(nowMs?: number): number {
    if (nowMs !== undefined) this.sweep(nowMs, this.booked.size);
    return this.booked.size;
  }

  /** Whether one more notification at `atMs` would go over the cap; books nothing. */
  wouldExceed(person: string, atMs: number, cap: number): boolean {
    this.sweep(atMs);
    return firstFreeSlot(this.current(person, atMs), atMs, cap) > atMs;
  }

  private sweep(nowMs: number, looks = 2): void {
    for (let n = 0; n < looks; n += 1) {
      const oldest = this.booked.entries().next();
      if (oldest.done) return;
      const [person, times] = oldest.value;
      this.booked.delete(person);
      if (times[times.length - 1]! > nowMs - HOUR_MS) this.booked.set(person, times);
    }
  }

  /** The person's bookings, without those that can no longer count against an hour from `fromMs`. */
  private current(person: string, fromMs: number): number[] {
    const times = this.booked.get(person) ?? [];
    const stale = countAtOrBefore(times, fromMs - HOUR_MS);
    if (stale > 0) times.splice(0, stale);
    if (times.length === 0) this.booked.delete(person);
    return times;
  }
}

/** The first instant at or after `earliestMs` with fewer than `cap` bookings in the hour ending there. */
function firstFreeSlot(times: readonly number[], earliestMs: number, cap: number): number {
  let slot = earliestMs;
  for (;;) {
    const upTo = countAtOrBefore(times, slot);
    const inWindow = upTo - countAtOrBefore(times, slot - HOUR_MS);
    if (inWindow < cap) return slot;
    // The hour must slide past the booking that keeps it full.
    slot = times[upTo - cap]! + HOUR_MS;
  }
}

/** How many of the sorted `times` are ≤ `instant`. */
function countAtOrBefore(times: readonly number[], instant: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (times[mid]! <= instant) low = mid + 1;
    else high = mid;
  }
  return low;
}
