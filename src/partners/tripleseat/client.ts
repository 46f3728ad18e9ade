import type { DeliveryReceipt, SendContext } from '../../channels/channel';
import { PermanentDeliveryError } from '../../channels/errors';
import type { HttpRequester } from '../../channels/webhook/webhook-channel';
import type { PoolClient } from 'pg';
import type { Connection } from '../../connections/connection';
import type { GrantedToken, TokenRefresher } from '../../connections/token-refresh';
import { ConnectionRefusedError, type PartnerAdapter, type PartnerPush } from '../partner';
import { classifyPartnerStatus, expectOk, jsonOf, partnerRequest, type PartnerResponse } from '../partner-http';
import { tripleseatEventFields } from './mapping';

export const TRIPLESEAT_URL = 'https://api.tripleseat.com';

/**
 * Tripleseat API v1 with OAuth 2.0 client credentials (tokens last 2 h; POST /oauth/token).
 * Updates the event linked to the wedding (`connections link`). The token is stored sealed with
 * the connection and fetched by one replica at a time (TokenRefresher), not once per replica
 * (issue 13). A 401 on the API first fetches a fresh token once (it may have been revoked
 * early); a refused token request stops the connection.
 */
export function createTripleseatAdapter(http: HttpRequester, userAgent: string, tokens: TokenRefresher, baseUrl = TRIPLESEAT_URL, now: () => number = Date.now): PartnerAdapter {
  const fetchToken = async (credentials: Readonly<Record<string, string>>, signal: AbortSignal): Promise<GrantedToken> => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: credentials.clientId ?? '', client_secret: credentials.clientSecret ?? '' });
    const response = await partnerRequest(http, {
      url: `${baseUrl}/oauth/token`,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'user-agent': userAgent },
      body: form.toString(),
      signal,
    });
    // RFC 6749 §5.2: invalid_client is 401, invalid_grant/unauthorized_client 400. Either way the credentials are refused.
    if (response.status === 400 || response.status === 401) {
      throw new ConnectionRefusedError(`tripleseat refused the connection's client credentials (${response.status}): reconnect it`, response.status, 'invalid_client');
    }
    const token = jsonOf<{ access_token?: string; expires_in?: number }>('tripleseat', expectOk('tripleseat', response));
    if (!token.access_token) throw new PermanentDeliveryError('tripleseat token answer carries no access_token', response.status);
    return { accessToken: token.access_token, expiresInS: token.expires_in ?? 7200 };
  };

  const api = async (connection: Connection, method: 'GET' | 'PUT', path: string, signal: AbortSignal, db: PoolClient | undefined, body?: unknown): Promise<PartnerResponse> => {
    let used: string | undefined;
    const send = async (rejected?: string) => {
      const token = await tokens.accessToken(connection, fetchToken, { signal, ...(db ? { db } : {}), ...(rejected ? { rejected } : {}) });
      used = token;
      return partnerRequest(http, {
        url: `${baseUrl}${path}`,
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          'user-agent': userAgent,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal,
      });
    };
    let response = await send();
    if (response.status === 401) response = await send(used);
    const failure = classifyPartnerStatus('tripleseat', response, now);
    if (failure) throw failure;
    return response;
  };

  return {
    partner: 'tripleseat',
    // Documented: 10 requests a second on the Leads and Events endpoints, per credential.
    rateLimit: { max: 10, perMs: 1_000, maxConcurrent: 4 },
    async push({ connection, snapshot, links, db }: PartnerPush, context: SendContext): Promise<DeliveryReceipt> {
      const eventId = await links.get(snapshot.weddingId);
      if (!eventId) throw new PermanentDeliveryError('no Tripleseat event is linked to this wedding (connections link)');
      const response = await api(connection, 'PUT', `/v1/events/${encodeURIComponent(eventId)}.json`, context.signal, db, tripleseatEventFields(snapshot));
      return { status: response.status, providerMessageId: eventId };
    },
    async probe(connection, signal) {
      await api(connection, 'GET', '/v1/events.json?page=1', signal, undefined);
      return 'tripleseat issued a token and listed events';
    },
  };
}
