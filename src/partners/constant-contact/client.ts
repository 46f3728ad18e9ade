import { LRUCache } from 'lru-cache';
import type { DeliveryReceipt, SendContext } from '../../channels/channel';
import { ParkedDeliveryError } from '../../channels/errors-parked';
import { PermanentDeliveryError } from '../../channels/errors';
import type { HttpRequester } from '../../channels/webhook/webhook-channel';
import type { Connection } from '../../connections/connection';
import type { TokenRefresher } from '../../connections/token-refresh';
import { completedMilestones, loadMarketingPeople, MarketingRecord, skipReasonOf, type MarketingPerson } from '../marketing-audience';
import type { PartnerAdapter, PartnerPush } from '../partner';
import { jsonOf, partnerRequest, type PartnerResponse } from '../partner-http';
import { classifyConstantContact } from './errors';
import { contactListsFor, signUpBody } from './mapping';
import { CONSTANT_CONTACT_AUTH_URL, refreshGrant } from './oauth';
import type { PoolClient } from 'pg';

export const CONSTANT_CONTACT_URL = 'https://api.cc.email/v3';

export interface ConstantContactDeps {
  readonly http: HttpRequester;
  readonly userAgent: string;
  readonly tokens: TokenRefresher;
  readonly baseUrl?: string;
  readonly authUrl?: string;
  readonly now?: () => number;
}

interface FoundContacts {
  readonly contacts?: readonly { readonly contact_id?: string; readonly email_address?: { readonly permission_to_send?: string } }[];
}

/**
 * Constant Contact API v3 with OAuth 2.0 tokens stored sealed with the connection (one replica
 * refreshes at a time). Per consenting person: look the address up first (sign_up_form would
 * re-subscribe someone who unsubscribed there), then create-or-update them with sign_up_form on
 * the connection's and the completed milestones' lists. A spent daily quota parks this and
 * every later send of the connection until 00:00 UTC without another request.
 */
export function createConstantContactAdapter({ http, userAgent, tokens, baseUrl = CONSTANT_CONTACT_URL, authUrl = CONSTANT_CONTACT_AUTH_URL, now = Date.now }: ConstantContactDeps): PartnerAdapter {
  const grant = refreshGrant(http, authUrl, userAgent);
  // Bounded: connections whose quota is spent, until when (cost grows with work, not tenants).
  const spent = new LRUCache<string, number>({ max: 1_000 });

  const call = async (connection: Connection, method: 'GET' | 'POST' | 'DELETE', path: string, signal: AbortSignal, db: PoolClient | undefined, body?: unknown): Promise<PartnerResponse> => {
    const until = spent.get(connection.id);
    if (until !== undefined && until > now()) throw new ParkedDeliveryError('constant-contact daily quota spent: parked until 00:00 UTC', 429, new Date(until), now);
    let used: string | undefined;
    const send = async (rejected?: string) => {
      used = await tokens.accessToken(connection, grant, { signal, ...(db ? { db } : {}), ...(rejected ? { rejected } : {}) });
      return partnerRequest(http, {
        url: `${baseUrl}${path}`,
        method,
        headers: { authorization: `Bearer ${used}`, accept: 'application/json', 'user-agent': userAgent, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal,
      });
    };
    let response = await send();
    // Revoked early, or expired on their clock before ours: one refresh, then it is the connection's fault.
    if (response.status === 401) response = await send(used);
    const failure = classifyConstantContact(response, now);
    if (failure instanceof ParkedDeliveryError) spent.set(connection.id, failure.resumeAt.getTime());
    if (failure) throw failure;
    return response;
  };

  const syncPerson = async (push: PartnerPush, person: MarketingPerson, record: MarketingRecord, signal: AbortSignal) => {
    const { connection, db } = push;
    const email = person.email!.trim();
    const found = jsonOf<FoundContacts>('constant-contact', await call(connection, 'GET', `/contacts?${new URLSearchParams({ email, status: 'all' })}`, signal, db));
    const existing = found.contacts?.[0];
    if (existing?.email_address?.permission_to_send === 'unsubscribed') {
      if (existing.contact_id) await record.remember(person, existing.contact_id);
      return record.suppress(person, 'unsubscribed', 'contact is unsubscribed in Constant Contact');
    }
    const lists = contactListsFor(connection.options, await completedMilestones(db, connection, push.snapshot.weddingId));
    const answer = jsonOf<{ contact_id?: string; action?: string }>('constant-contact', await call(connection, 'POST', '/contacts/sign_up_form', signal, db, signUpBody(person, lists)));
    if (!answer.contact_id) throw new PermanentDeliveryError('constant-contact sign_up_form answered no contact_id');
    await record.remember(person, answer.contact_id);
    await record.record(person, 'listed', { fields: ['email_address', 'first_name', 'last_name'], listIds: lists, action: answer.action ?? null });
    record.countSynced();
  };

  return {
    partner: 'constant-contact',
    // 4 requests a second per key; a send makes two per person (look-up, sign-up), two people a couple.
    rateLimit: { max: 1, perMs: 1_000, maxConcurrent: 1 },
    async push(push: PartnerPush, context: SendContext): Promise<DeliveryReceipt> {
      const { connection, snapshot } = push;
      if (!connection.options.contactListIds?.length) throw new PermanentDeliveryError('the Constant Contact connection names no contact list (options.contactListIds)');
      const record = new MarketingRecord(push.db, connection, context.deliveryId);
      for (const person of await loadMarketingPeople(push.db, connection, snapshot.weddingId)) {
        const reason = skipReasonOf(person);
        if (reason) await record.skipped(person, reason);
        else await syncPerson(push, person, record, context.signal);
      }
      return { status: record.syncedCount > 0 ? 200 : 204, providerMessageId: record.summary('constant-contact') };
    },
    async erase(connection, externalRef, signal) {
      try {
        await call(connection, 'DELETE', `/contacts/${encodeURIComponent(externalRef)}`, signal, undefined);
      } catch (error) {
        // Deleted already (by them, or an earlier attempt of ours): the erasure is done.
        if (error instanceof PermanentDeliveryError && error.status === 404) return;
        throw error;
      }
    },
    async probe(connection, signal) {
      await call(connection, 'GET', '/contact_lists?limit=1', signal, undefined);
      return 'constant-contact accepted the token (listed contact lists)';
    },
  };
}

