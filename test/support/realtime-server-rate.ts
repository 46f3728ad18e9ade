/**
 * The tenant's database-events rate as Realtime judges it (`Tenants.db_events_per_second_rate`):
 * events per second averaged over a window, so a short burst passes and a sustained excess is
 * skipped (realtime-protocol.md §5.1).
 */
export class AveragedRate {
  /** When recent events were let through (ms, any monotonic origin). */
  private times: number[] = [];

  /** Lets one event through unless it would take the average over `limit`; `null` = unlimited. */
  take(limit: { perSecond: number; windowMs: number } | null, nowMs: number): boolean {
    if (limit === null) return true;
    this.times = this.times.filter((t) => nowMs - t < limit.windowMs);
    if (this.times.length + 1 > (limit.perSecond * limit.windowMs) / 1_000) return false;
    this.times.push(nowMs);
    return true;
  }
}
