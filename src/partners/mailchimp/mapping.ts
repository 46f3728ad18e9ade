import { createHash } from 'node:crypto';
import type { MilestoneAction } from '../../connections/connection';
import type { MarketingPerson } from '../marketing-audience';

/** Mailchimp's member id: the MD5 of the lower-cased address (Marketing API v3, "subscriber_hash"). */
export function subscriberHash(email: string): string {
  return createHash('md5').update(email.trim().toLowerCase()).digest('hex');
}

/** The data center is the API key's suffix: `…-us6` is `us6.api.mailchimp.com`. */
export function dataCenterOf(apiKey: string): string | null {
  return /-([a-z]{2,4}[0-9]{1,3})$/.exec(apiKey)?.[1] ?? null;
}

/**
 * The body of `PUT /lists/{list}/members/{hash}`. `status_if_new` only: an existing member keeps
 * the status they have (an unsubscribed person stays unsubscribed), so `status` is never sent.
 */
export function memberBody(person: MarketingPerson, statusIfNew: 'subscribed' | 'pending') {
  return {
    email_address: person.email!.trim(),
    status_if_new: statusIfNew,
    merge_fields: { FNAME: person.firstName, LNAME: person.lastName },
  };
}

/** `POST /lists/{list}/members/{hash}/tags`: each completed milestone's tag, active. */
export function tagsBody(milestones: readonly [string, MilestoneAction][]) {
  const names = [...new Set(milestones.flatMap(([, action]) => (action.tag ? [action.tag] : [])))];
  return names.length ? { tags: names.map((name) => ({ name, status: 'active' as const })) } : null;
}

/** The Customer Journey steps of the completed milestones that name one. */
export function journeySteps(milestones: readonly [string, MilestoneAction][]) {
  return milestones.flatMap(([milestone, action]) => (action.journey ? [{ milestone, ...action.journey }] : []));
}
