const HOUR_MS = 3_600_000;

/**
 * Per-person sliding-hour cap. Admitting returns the earliest instant at which one more
 * notification fits under the cap, and books it there; the excess is deferred, never dropped.
 * In memory: with several replicas each counts its own share (see README).
 */
export class HourlyCapTracker {
  private readonly booked = new Map<string, number[]>();

  /** Books a notification for `person` at the first slot at or after `earliestMs`. */
  admit(person: string, earliestMs: number, cap: number): number {
    const times = this.pruned(person, earliestMs);
    const slot = this.slot(times, earliestMs, cap);
    const at = times.findIndex((t) => t > slot);
    times.splice(at === -1 ? times.length : at, 0, slot);
    this.booked.set(person, times);
    return slot;
  }

  /** Whether one more notification at `atMs` would go over the cap; books nothing. */
  wouldExceed(person: string, atMs: number, cap: number): boolean {
    return this.slot(this.pruned(person, atMs), atMs, cap) > atMs;
  }

  private slot(times: readonly number[], earliestMs: number, cap: number): number {
    let slot = earliestMs;
    // Slide forward until fewer than `cap` bookings fall in the hour ending at the slot.
    for (;;) {
      const inWindow = times.filter((t) => t > slot - HOUR_MS && t <= slot);
      if (inWindow.length < cap) return slot;
      slot = inWindow[inWindow.length - cap]! + HOUR_MS;
    }
  }

  private pruned(person: string, fromMs: number): number[] {
    return (this.booked.get(person) ?? []).filter((t) => t > fromMs - HOUR_MS);
  }
}
