import { LRUCache } from 'lru-cache';
import { DateTime } from 'luxon';

// Wall-clock questions asked in a wedding's or a person's own time zone. luxon resolves the
// daylight-saving gaps and overlaps, which hand-written offset arithmetic gets wrong.
//
// luxon pays for each zoned DateTime with an Intl formatToParts call (~70% of a decision's CPU,
// measured in bench/ figure 1), and one change asks the same questions for every recipient. The
// answers are memoized by the UTC minute: no time zone changes its offset inside a minute, so a
// memoized answer is the exact one.
const answers = new LRUCache<string, number>({ max: 10_000 });

function memo(key: string, compute: () => number): number {
  const known = answers.get(key);
  if (known !== undefined) return known;
  const value = compute();
  answers.set(key, value);
  return value;
}

const minuteOf = (instantMs: number) => Math.floor(instantMs / 60_000);

export function isValidTimeZone(zone: string): boolean {
  return DateTime.now().setZone(zone).isValid;
}

/** The local calendar date (YYYY-MM-DD) of an instant in a zone. */
export function localDate(instantMs: number, zone: string): string {
  return DateTime.fromMillis(instantMs, { zone }).toISODate() ?? '';
}

/** Whole calendar days from the local today to `date` (negative when it is past). */
export function daysUntil(date: string, nowMs: number, zone: string): number {
  return memo(`days|${zone}|${minuteOf(nowMs)}|${date}`, () => {
    const today = DateTime.fromMillis(nowMs, { zone }).startOf('day');
    const target = DateTime.fromISO(date, { zone }).startOf('day');
    return Math.round(target.diff(today, 'days').days);
  });
}

/** The instants a local calendar day starts and ends; 23 or 25 hours long on DST days. */
export function dayBounds(date: string, zone: string): { startMs: number; endMs: number } {
  const start = () => DateTime.fromISO(date, { zone }).startOf('day');
  return {
    startMs: memo(`dayStart|${zone}|${date}`, () => start().toMillis()),
    endMs: memo(`dayEnd|${zone}|${date}`, () => start().plus({ days: 1 }).toMillis()),
  };
}

/** The instant of a local wall-clock time (HH:MM) `dayOffset` days from `date`, in a zone. */
export function localInstant(date: string, zone: string, dayOffset: number, hhmm: string): number {
  return memo(`at|${zone}|${date}|${dayOffset}|${hhmm}`, () => {
    const minutes = minutesOf(hhmm);
    return DateTime.fromISO(date, { zone }).plus({ days: dayOffset }).set({ hour: Math.floor(minutes / 60), minute: minutes % 60 }).toMillis();
  });
}

function minutesOf(hhmm: string): number {
  const [h = '0', m = '0'] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/**
 * When `now` falls inside a daily quiet window (local HH:MM to HH:MM, possibly across midnight),
 * the instant the window ends; otherwise null. A window whose end falls in a DST gap ends at the
 * first valid local time after it.
 */
export function quietWindowEnd(nowMs: number, window: { start: string; end: string }, zone: string): number | null {
  // The answer depends on the minute only: the window's end is a wall-clock minute.
  const end = memo(`quiet|${zone}|${minuteOf(nowMs)}|${window.start}|${window.end}`, () => quietWindowEndOf(nowMs, window, zone) ?? -1);
  return end === -1 ? null : end;
}

function quietWindowEndOf(nowMs: number, window: { start: string; end: string }, zone: string): number | null {
  const now = DateTime.fromMillis(nowMs, { zone });
  const minute = now.hour * 60 + now.minute;
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  if (start === end) return null;
  const inside = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!inside) return null;
  const endsToday = start < end || minute < end;
  const day = endsToday ? now.startOf('day') : now.startOf('day').plus({ days: 1 });
  return day.set({ hour: Math.floor(end / 60), minute: end % 60 }).toMillis();
}
