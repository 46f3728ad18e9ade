import type { ConnectionOptions, MilestoneAction } from '../../connections/connection';
import type { MarketingPerson } from '../marketing-audience';

/** The connection's lists plus those of the completed milestones: what sign_up_form adds the contact to (1 to 50). */
export function contactListsFor(options: Pick<ConnectionOptions, 'contactListIds'>, milestones: readonly [string, MilestoneAction][]): string[] {
  const lists = new Set([...(options.contactListIds ?? []), ...milestones.flatMap(([, action]) => action.contactListIds ?? [])]);
  return [...lists].slice(0, 50);
}

/**
 * `POST /contacts/sign_up_form`: create-or-update by address. Its body takes no
 * `permission_to_send`: the call itself records explicit permission (and would re-subscribe an
 * unsubscribed contact), so it is only made for a consenting person not unsubscribed there [doc].
 */
export function signUpBody(person: MarketingPerson, listIds: readonly string[]) {
  return {
    email_address: person.email!.trim(),
    first_name: person.firstName,
    last_name: person.lastName,
    list_memberships: [...listIds],
  };
}

/** The next 00:00 UTC after `nowMs`: when Constant Contact's daily quota starts again. */
export function nextUtcMidnight(nowMs: number): Date {
  const d = new Date(nowMs);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1));
}
