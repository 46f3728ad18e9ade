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
 * also goes on with a pass over the map (booked longest ago first, as a booking moves its person
 * to the back), dropping up to two people whose hour has passed among the next eight it looks
 * at. No timer; the map holds about the people of the last hour.
 *
 * The pass is one live iterator, not a fresh `entries()` each look: V8 leaves a deleted Map
 * entry as a hole until the table is rebuilt, and every booking deletes and re-adds its person,
 * so a fresh iterator walked thousands of holes at the front to reach the first person. In a
 * 4-minute wedding Saturday (bench/ figure 11, --profile) that walk was 41 % of the worker's CPU;
 * with 50,000 people a decision's look cost 43 µs (now ~1 µs) and the gauge's sweep, as many
 * fresh walks as people, held the event loop 990 ms a scrape (now 8 ms). A live iterator skips
 * each hole once.
 */
export class HourlyCapTracker {
  private readonly booked = new Map<string, number[]>();
  /** Where the pass over `booked` stands; a new pass starts when it reaches the end. */
  private pass: Iterator<[string, number[]]> | undefined;

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
    if (nowMs !== undefined) {
      // One walk of the whole map (deleting the current entry keeps a Map iterator valid).
      for (const [person, times] of this.booked) if (isStale(times, nowMs)) this.booked.delete(person);
    }
    return this.booked.size;
  }

  /** Whether one more notification at `atMs` would go over the cap; books nothing. */
  wouldExceed(person: string, atMs: number, cap: number): boolean {
    this.sweep(atMs);
    return firstFreeSlot(this.current(person, atMs), atMs, cap) > atMs;
  }

  /** Drops up to `drops` people whose hour has passed, looking at no more than `looks` of them. */
  private sweep(nowMs: number, drops = 2, looks = 8): void {
    let restarted = false;
    for (let looked = 0, dropped = 0; looked < looks && dropped < drops; ) {
      this.pass ??= this.booked.entries();
      const next = this.pass.next();
      if (next.done) {
        // The end of this pass: another from the front, once a call (an empty map ends here).
        this.pass = undefined;
        if (restarted) return;
        restarted = true;
        continue;
      }
      looked += 1;
      const [person, times] = next.value;
      if (isStale(times, nowMs)) {
        this.booked.delete(person);
        dropped += 1;
      }
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

/** Whether every booking is more than an hour before `nowMs`: the person no longer counts. */
function isStale(times: readonly number[], nowMs: number): boolean {
  return times.length === 0 || times[times.length - 1]! <= nowMs - HOUR_MS;
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
