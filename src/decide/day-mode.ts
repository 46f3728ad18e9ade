import type { WeddingDayMode } from '../config/policy.schema';
import type { Wedding } from '../context/event-context';
import { localInstant } from '../lib/zoned-time';

/**
 * A wedding's day mode: from `from` the evening before to `until` the morning after, in the
 * wedding's own zone (so DST nights are as long as they are there). Inside it, messages about the
 * wedding reach its people at once, whatever their quiet hours; the others keep theirs.
 */
export function dayModeWindow(wedding: Wedding, mode: WeddingDayMode): { startMs: number; endMs: number } | null {
  if (!mode.enabled) return null;
  return { startMs: localInstant(wedding.date, wedding.timeZone, -1, mode.from), endMs: localInstant(wedding.date, wedding.timeZone, 1, mode.until) };
}

export function inDayMode(wedding: Wedding | null, nowMs: number, mode: WeddingDayMode): boolean {
  const window = wedding ? dayModeWindow(wedding, mode) : null;
  return window !== null && nowMs >= window.startMs && nowMs < window.endMs;
}
