import { DateTime } from 'luxon';
import type { SnapshotTimelineItem, TimelineKind, WeddingSnapshot } from './wedding-snapshot';

// Partners show times as the wedding's own wall clock, never UTC: a 15:30 ceremony in Auckland
// is 15:30 on the photographer's screen wherever the server runs.

export type TimeFormat = '24h' | '12h';

/** Wall-clock time of an instant in the wedding's zone: 15:30 or 3:30 PM. */
export function wallTime(iso: string, zone: string, format: TimeFormat = '24h'): string {
  return DateTime.fromISO(iso, { zone }).toFormat(format === '24h' ? 'HH:mm' : 'h:mm a');
}

/** ISO-8601 with the wedding's offset, e.g. 2027-06-12T15:30:00-04:00. */
export function zonedIso(iso: string, zone: string): string {
  return DateTime.fromISO(iso, { zone }).toISO({ suppressMilliseconds: true }) ?? '';
}

/** The local calendar date of an instant in the wedding's zone. */
export function zonedDate(iso: string, zone: string): string {
  return DateTime.fromISO(iso, { zone }).toISODate() ?? '';
}

/** The first timeline item of this kind, if the wedding has one. */
export function firstOfKind(snapshot: WeddingSnapshot, kind: TimelineKind): SnapshotTimelineItem | null {
  return snapshot.timeline.find((t) => t.kind === kind) ?? null;
}

/** "15:30 Ceremony; 17:00 Reception": the timeline in one line a person can read. */
export function timelineLine(snapshot: WeddingSnapshot, format: TimeFormat = '24h'): string {
  return snapshot.timeline.map((t) => `${wallTime(t.startsAt, snapshot.timeZone, format)} ${t.title}`).join('; ');
}

/** First and last names of a person's full name, the way contact forms split them. */
export function splitName(name: string): { first: string; last: string } {
  const parts = name.trim().split(/\s+/);
  if (parts.length < 2) return { first: parts[0] ?? '', last: '' };
  return { first: parts.slice(0, -1).join(' '), last: parts[parts.length - 1]! };
}
