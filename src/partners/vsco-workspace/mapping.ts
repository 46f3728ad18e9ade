import type { ConnectionOptions } from '../../connections/connection';
import { firstOfKind, splitName, timelineLine, wallTime } from '../local-time';
import type { WeddingSnapshot } from '../wedding-snapshot';

/** The external mapping ids that tie our records to Workspace's (≤ 64 characters). */
export const jobMappingId = (weddingId: string) => `wedsync-wedding-${weddingId}`;
export const contactMappingId = (clientId: string) => `wedsync-client-${clientId}`;

export interface VscoExternalMapping {
  readonly id: string;
  readonly url: string;
}

/** The Job fields we own (API v2 `Job`: name, eventDate as a date in the event's zone, guestCount, customFields). */
export interface VscoJobFields {
  readonly name: string;
  readonly eventDate: string;
  readonly guestCount: number | null;
  readonly customFields?: readonly { readonly fieldId: string; readonly value: string | null }[];
}

export function vscoJobFields(snapshot: WeddingSnapshot, options: Pick<ConnectionOptions, 'customFields' | 'timeFormat'>): VscoJobFields {
  const ceremony = firstOfKind(snapshot, 'ceremony');
  const values: Record<string, string | null> = {
    venue: snapshot.venueName,
    timeline: snapshot.timeline.length ? timelineLine(snapshot, options.timeFormat) : null,
    ceremony_time: ceremony ? wallTime(ceremony.startsAt, snapshot.timeZone, options.timeFormat) : null,
    dietary: snapshot.dietaryRequirements,
    accessibility: snapshot.accessibilityRequirements,
  };
  const customFields = Object.entries(options.customFields).map(([ours, fieldId]) => ({ fieldId: fieldId!, value: values[ours] ?? null }));
  return {
    name: `${snapshot.coupleName} Wedding`,
    eventDate: snapshot.date,
    guestCount: snapshot.guestCount,
    ...(customFields.length ? { customFields } : {}),
  };
}

/** A new job: our fields, its type, and the mapping that lets a retry find it instead of making another. */
export function vscoNewJob(snapshot: WeddingSnapshot, options: Pick<ConnectionOptions, 'customFields' | 'timeFormat' | 'jobTypeId'>, mapping: VscoExternalMapping) {
  return { ...vscoJobFields(snapshot, options), ...(options.jobTypeId ? { jobTypeId: options.jobTypeId } : {}), stage: 'booked', externalMappings: [mapping] };
}

/** The couple's first client as a Workspace contact [inferred shape, verify: kind/firstName/lastName/email/phone]. */
export function vscoNewContact(snapshot: WeddingSnapshot, mapping: VscoExternalMapping) {
  const client = snapshot.couple[0];
  const names = splitName(client?.name ?? snapshot.coupleName);
  return { kind: 'person', firstName: names.first, lastName: names.last, email: client?.email ?? null, phone: client?.phone ?? null, externalMappings: [mapping] };
}
