import type { ConnectionOptions } from '../../connections/connection';
import { firstOfKind, splitName, timelineLine, wallTime, zonedIso } from '../local-time';
import type { WeddingSnapshot } from '../wedding-snapshot';

/**
 * The flat body a Zapier "Catch Hook" receives and a person maps onto HoneyBook fields in Zapier's
 * editor. One level, stable snake_case names, every value a string or number (empty string when
 * unknown, so the field always exists for mapping). Dates are ISO dates; times are the wedding's
 * local wall clock, with ISO instants beside them for Zapier's date formatter. Documented in README.
 */
export type HoneybookZapBody = Readonly<Record<string, string | number>>;

export function honeybookZapBody(snapshot: WeddingSnapshot, change: string, options: Pick<ConnectionOptions, 'timeFormat'>): HoneybookZapBody {
  const zone = snapshot.timeZone;
  const first = snapshot.couple[0];
  const names = splitName(first?.name ?? snapshot.coupleName);
  const at = (kind: 'setup' | 'ceremony' | 'reception') => {
    const item = firstOfKind(snapshot, kind);
    return {
      [`${kind}_time`]: item ? wallTime(item.startsAt, zone, options.timeFormat) : '',
      [`${kind}_start`]: item ? zonedIso(item.startsAt, zone) : '',
    };
  };
  return {
    reference: `wedsync-wedding-${snapshot.weddingId}`,
    change,
    wedding_id: snapshot.weddingId,
    project_name: `${snapshot.coupleName} wedding`,
    couple_name: snapshot.coupleName,
    client_first_name: names.first,
    client_last_name: names.last,
    client_email: first?.email ?? '',
    client_phone: first?.phone ?? '',
    partner_name: snapshot.couple[1]?.name ?? '',
    partner_email: snapshot.couple[1]?.email ?? '',
    wedding_date: snapshot.date,
    time_zone: zone,
    venue_name: snapshot.venueName ?? '',
    guest_count: snapshot.guestCount ?? '',
    ...at('setup'),
    ...at('ceremony'),
    ...at('reception'),
    timeline: timelineLine(snapshot, options.timeFormat),
    dietary_requirements: snapshot.dietaryRequirements ?? '',
    accessibility_requirements: snapshot.accessibilityRequirements ?? '',
    status: snapshot.status,
  };
}
