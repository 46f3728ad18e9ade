import { createHash } from 'node:crypto';
import type { ConnectionOptions } from '../../connections/connection';
import { firstOfKind, splitName, timelineLine, wallTime } from '../local-time';
import type { WeddingSnapshot } from '../wedding-snapshot';

/**
 * The form fields of Light Blue's inbound API (partners.md: `type=contact form`, Contact… fields,
 * Message, a Reference parameter that enables duplicate detection). The items land in the
 * studio's Inbox for a person to import, so the Message says what changed in plain words.
 * `ShootDate`, `ShootStartTime` and `ShootVenue` are [inferred, verify] shoot-field names.
 *
 * The Reference is derived from the content: the same state of the wedding always carries the
 * same Reference, so a retry — or an older change sent after a newer one, which reads the same
 * current state — is Light Blue's duplicate (`-4`), never a second Inbox item.
 */
export function lightBlueFields(snapshot: WeddingSnapshot, options: Pick<ConnectionOptions, 'timeFormat'>): Record<string, string> {
  const zone = snapshot.timeZone;
  const client = snapshot.couple[0];
  const names = splitName(client?.name ?? snapshot.coupleName);
  const ceremony = firstOfKind(snapshot, 'ceremony');
  const lines = [
    // Not the change kind: two changes that end in the same state are one Inbox item.
    `WedSync: ${snapshot.coupleName} wedding updated.`,
    `Date: ${snapshot.date} (${zone})`,
    snapshot.venueName ? `Venue: ${snapshot.venueName}` : null,
    snapshot.guestCount !== null ? `Guests: ${snapshot.guestCount}` : null,
    snapshot.timeline.length ? `Timeline: ${timelineLine(snapshot, options.timeFormat)}` : null,
    snapshot.dietaryRequirements ? `Dietary: ${snapshot.dietaryRequirements}` : null,
    snapshot.accessibilityRequirements ? `Accessibility: ${snapshot.accessibilityRequirements}` : null,
  ].filter((l): l is string => l !== null);
  const fields: Record<string, string> = {
    ContactNameFirst: names.first,
    ContactNameLast: names.last,
    ContactEmail: client?.email ?? '',
    ContactPhoneMobile: client?.phone ?? '',
    ContactTag: 'WedSync',
    ShootDate: snapshot.date,
    ShootStartTime: ceremony ? wallTime(ceremony.startsAt, zone, options.timeFormat) : '',
    ShootVenue: snapshot.venueName ?? '',
    Message: lines.join('\n'),
  };
  const present = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== ''));
  const digest = createHash('sha256').update(JSON.stringify(present)).digest('hex').slice(0, 20);
  return { ...present, Reference: `wedsync-${snapshot.weddingId}-${digest}` };
}

export type LightBlueOutcome = 'accepted' | 'duplicate' | 'not_https' | 'bad_request' | 'unknown';

/** Light Blue answers with a status code in the body: 0 ok, -4 duplicate, -20 not HTTPS, -3 bad type or params. */
export function lightBlueOutcome(body: string): { outcome: LightBlueOutcome; code: string } {
  const code = body.trim();
  const outcomes: Record<string, LightBlueOutcome> = { '0': 'accepted', '-4': 'duplicate', '-20': 'not_https', '-3': 'bad_request' };
  return { outcome: outcomes[code] ?? 'unknown', code: /^-?\d{1,4}$/.test(code) ? code : 'unreadable' };
}
