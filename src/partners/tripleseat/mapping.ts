import { firstOfKind, wallTime, zonedDate } from '../local-time';
import type { SnapshotTimelineItem, WeddingSnapshot } from '../wedding-snapshot';

/**
 * The fields of a Tripleseat event we keep in step (v1 Event: `event_date` YYYY-MM-DD,
 * `start_time`/`end_time` HH:MM in the venue's local time, `guest_count`). Setup, ceremony and
 * reception times and the dietary and accessibility requirements have no fields of their own in
 * the published Event; they go in `description`, one labelled line each [inferred, verify].
 */
export interface TripleseatEventFields {
  readonly event_date: string;
  readonly start_time: string | null;
  readonly end_time: string | null;
  readonly guest_count: number | null;
  readonly description: string;
}

export function tripleseatEventFields(snapshot: WeddingSnapshot): { event: TripleseatEventFields } {
  const zone = snapshot.timeZone;
  const setup = firstOfKind(snapshot, 'setup');
  const ceremony = firstOfKind(snapshot, 'ceremony');
  const reception = firstOfKind(snapshot, 'reception');
  const first = setup ?? ceremony ?? reception;
  const last = reception ?? ceremony;
  const line = (label: string, item: SnapshotTimelineItem | null) => (item ? `${label}: ${labelOf(item, zone, snapshot.date)}` : null);
  const description = [
    line('Setup', setup),
    line('Ceremony', ceremony),
    line('Reception', reception),
    snapshot.dietaryRequirements ? `Dietary requirements: ${snapshot.dietaryRequirements}` : null,
    snapshot.accessibilityRequirements ? `Accessibility requirements: ${snapshot.accessibilityRequirements}` : null,
  ].filter((l): l is string => l !== null);
  return {
    event: {
      event_date: snapshot.date,
      start_time: first ? wallTime(first.startsAt, zone) : null,
      end_time: last ? wallTime(last.endsAt ?? last.startsAt, zone) : null,
      guest_count: snapshot.guestCount,
      description: description.join('\n'),
    },
  };
}

/** "15:30", or "15:30 (2027-06-13)" when an item falls on another local day than the wedding. */
function labelOf(item: SnapshotTimelineItem, zone: string, weddingDate: string): string {
  const time = `${wallTime(item.startsAt, zone)}${item.endsAt ? `–${wallTime(item.endsAt, zone)}` : ''}`;
  const day = zonedDate(item.startsAt, zone);
  return day === weddingDate ? time : `${time} (${day})`;
}
