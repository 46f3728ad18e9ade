import type { DeliveryReceipt, SendContext } from '../../channels/channel';
import { PermanentDeliveryError } from '../../channels/errors';
import type { HttpRequester } from '../../channels/webhook/webhook-channel';
import type { Connection } from '../../connections/connection';
import { completedMilestones, loadMarketingPeople, MarketingRecord, skipReasonOf, type MarketingPerson } from '../marketing-audience';
import type { PartnerAdapter, PartnerPush } from '../partner';
import { jsonOf, partnerRequest, type PartnerResponse } from '../partner-http';
import { classifyMailchimp, MemberRefusal } from './errors';
import { dataCenterOf, journeySteps, memberBody, subscriberHash, tagsBody } from './mapping';

export const MAILCHIMP_URL = 'https://{dc}.api.mailchimp.com/3.0';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Mailchimp Marketing API v3 with the account's API key (HTTP Basic, the key as password; its
 * suffix names the data center). Per consenting person of the couple: upsert the member with
 * `status_if_new` (never their status), tag the completed milestones, start the connection's
 * Customer Journey step once. A person Mailchimp refuses (forgotten, fake or blocked address) is
 * recorded and suppressed there; the others still go. Requests of a send run one after another,
 * so the delivery limit's `maxConcurrent` is the number of simultaneous connections.
 */
export function createMailchimpAdapter(http: HttpRequester, userAgent: string, baseUrl = MAILCHIMP_URL): PartnerAdapter {
  const call = async (connection: Connection, method: Method, path: string, signal: AbortSignal, body?: unknown): Promise<PartnerResponse> => {
    const apiKey = connection.credentials.apiKey ?? '';
    const dc = dataCenterOf(apiKey);
    if (!dc) throw new PermanentDeliveryError('the Mailchimp API key has no data center suffix (…-us6)');
    return partnerRequest(http, {
      url: `${baseUrl.replace('{dc}', dc)}${path}`,
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`wedsync:${apiKey}`).toString('base64')}`,
        accept: 'application/json',
        'user-agent': userAgent,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal,
    });
  };

  /** Throws the failure of the send; returns a refusal of this person, or the answer. */
  const checked = (response: PartnerResponse): PartnerResponse | MemberRefusal => {
    const verdict = classifyMailchimp(response);
    if (verdict instanceof MemberRefusal) return verdict;
    if (verdict) throw verdict;
    return response;
  };

  const syncPerson = async (push: PartnerPush, person: MarketingPerson, record: MarketingRecord, signal: AbortSignal, audienceId: string) => {
    const { connection } = push;
    const hash = subscriberHash(person.email!);
    const members = `/lists/${encodeURIComponent(audienceId)}/members/${hash}`;
    const upsert = checked(await call(connection, 'PUT', members, signal, memberBody(person, connection.options.statusIfNew)));
    if (upsert instanceof MemberRefusal) {
      if (upsert.reason === 'member_exists') return record.skipped(person, 'member_exists', upsert.title);
      return record.suppress(person, upsert.reason, upsert.title);
    }
    await record.remember(person, hash);
    const member = jsonOf<{ status?: string }>('mailchimp', upsert);
    // Their own unsubscribe (or a bounce) in Mailchimp: stop here, and for good.
    if (member.status === 'unsubscribed') return record.suppress(person, 'unsubscribed', 'member is unsubscribed in Mailchimp');
    if (member.status === 'cleaned') return record.suppress(person, 'invalid_address', 'member is cleaned in Mailchimp');
    await record.record(person, 'upserted', { audienceId, fields: ['email_address', 'merge_fields.FNAME', 'merge_fields.LNAME'], statusIfNew: connection.options.statusIfNew, status: member.status ?? null });

    const milestones = await completedMilestones(push.db, connection, push.snapshot.weddingId);
    const tags = tagsBody(milestones);
    if (tags) {
      const tagged = checked(await call(connection, 'POST', `${members}/tags`, signal, tags));
      if (tagged instanceof MemberRefusal) return record.suppress(person, tagged.reason === 'member_exists' ? 'invalid_address' : tagged.reason, tagged.title);
      await record.record(person, 'tagged', { tags: tags.tags.map((t) => t.name) });
    }
    // A journey only takes subscribed members of its audience (pending ones have not confirmed yet).
    for (const step of journeySteps(milestones)) {
      if (member.status !== 'subscribed') {
        await record.record(person, 'skipped', { milestone: step.milestone, journeyId: step.journeyId, stepId: step.stepId }, `journey waits: member is ${member.status ?? 'unknown'}`);
        continue;
      }
      const sent = { journeyId: step.journeyId, stepId: step.stepId };
      if (!(await record.claimJourney(person, step.milestone, sent))) continue;
      try {
        const path = `/customer-journeys/journeys/${step.journeyId}/steps/${step.stepId}/actions/trigger`;
        const triggered = checked(await call(connection, 'POST', path, signal, { email_address: person.email!.trim() }));
        if (triggered instanceof MemberRefusal) {
          await record.releaseJourney(person, step.milestone);
          await record.skipped(person, triggered.reason, triggered.title);
        }
      } catch (error) {
        await record.releaseJourney(person, step.milestone);
        throw error;
      }
    }
    record.countSynced();
  };

  return {
    partner: 'mailchimp',
    // 10 simultaneous connections per account, no request rate and no rate headers [doc + 3p].
    rateLimit: { max: null, perMs: 1_000, maxConcurrent: 10 },
    async push(push: PartnerPush, context: SendContext): Promise<DeliveryReceipt> {
      const { connection, snapshot } = push;
      const audienceId = connection.options.audienceId;
      if (!audienceId) throw new PermanentDeliveryError('the Mailchimp connection names no audience (options.audienceId)');
      const record = new MarketingRecord(push.db, connection, context.deliveryId);
      for (const person of await loadMarketingPeople(push.db, connection, snapshot.weddingId)) {
        const reason = skipReasonOf(person);
        if (reason) await record.skipped(person, reason);
        else await syncPerson(push, person, record, context.signal, audienceId);
      }
      return { status: record.syncedCount > 0 ? 200 : 204, providerMessageId: record.summary('mailchimp') };
    },
    async erase(connection, externalRef, signal) {
      const audienceId = connection.options.audienceId;
      if (!audienceId) return;
      // DELETE archives the member (reversible by them re-subscribing, not by us); gone already is done.
      const response = await call(connection, 'DELETE', `/lists/${encodeURIComponent(audienceId)}/members/${encodeURIComponent(externalRef)}`, signal);
      if (response.status === 404) return;
      const verdict = checked(response);
      if (verdict instanceof MemberRefusal) return;
    },
    async probe(connection, signal) {
      const verdict = checked(await call(connection, 'GET', '/ping', signal));
      if (verdict instanceof MemberRefusal) throw new PermanentDeliveryError(`mailchimp answered ${verdict.title}`);
      return 'mailchimp accepted the key (ping)';
    },
  };
}
