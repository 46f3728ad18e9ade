import { firstOfKind, zonedIso } from '../local-time';
import type { TimelineKind, WeddingSnapshot } from '../wedding-snapshot';

/** What a venue system without an API needs about a booking, as a signed JSON event. */
export interface VenueEventBody {
  readonly type: 'wedding.updated';
  readonly change: string;
  readonly reference: string;
  readonly wedding: {
    readonly id: string;
    readonly couple_name: string;
    readonly date: string;
    readonly time_zone: string;
    readonly venue_name: string | null;
    readonly guest_count: number | null;
    readonly setup_start: string | null;
    readonly ceremony_start: string | null;
    readonly reception_start: string | null;
    readonly dietary_requirements: string | null;
    readonly accessibility_requirements: string | null;
  };
}

export function venueEventBody(snapshot: WeddingSnapshot, change: string): VenueEventBody {
  const at = (kind: TimelineKind) => {
    const item = firstOfKind(snapshot, kind);
    return item ? zonedIso(item.startsAt, snapshot.timeZone) : null;
  };
  return {
    type: 'wedding.updated',
    change,
    reference: `wedsync-wedding-${snapshot.weddingId}`,
    wedding: {
      id: snapshot.weddingId,
      couple_name: snapshot.coupleName,
      date: snapshot.date,
      time_zone: snapshot.timeZone,
      venue_name: snapshot.venueName,
      guest_count: snapshot.guestCount,
      setup_start: at('setup'),
      ceremony_start: at('ceremony'),
      reception_start: at('reception'),
      dietary_requirements: snapshot.dietaryRequirements,
      accessibility_requirements: snapshot.accessibilityRequirements,
    },
  };
}
