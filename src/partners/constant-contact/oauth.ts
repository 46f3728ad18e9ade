import { PermanentDeliveryError } from '../../channels/errors';
import type { HttpRequester } from '../../channels/webhook/webhook-channel';
import type { GrantedToken, TokenGrant } from '../../connections/token-refresh';
import { ConnectionRefusedError } from '../partner';
import { expectOk, jsonOf, partnerRequest } from '../partner-http';

export const CONSTANT_CONTACT_AUTH_URL = 'https://authz.constantcontact.com/oauth2/default/v1';
/** contact_data to read and write contacts; offline_access for a refresh token [doc]. */
export const CONSTANT_CONTACT_SCOPES = 'contact_data offline_access';

/** Where the organization's owner goes to let us in (OAuth 2.0 authorization code). */
export function authorizeUrl(authUrl: string, credentials: Readonly<Record<string, string>>, state: string): string {
  const query = new URLSearchParams({ client_id: credentials.clientId ?? '', redirect_uri: credentials.redirectUri ?? '', response_type: 'code', scope: CONSTANT_CONTACT_SCOPES, state });
  return `${authUrl}/authorize?${query}`;
}

/**
 * One request to the token endpoint: the app's client id and secret in HTTP Basic, the grant in
 * a form body (RFC 6749 §4.1.3, §6) [the form body rather than the query string: inferred, the
 * docs show both]. `invalid_grant` (a used rotating refresh token, an expired code) and
 * `invalid_client` cannot heal by retrying: the connection must be authorized again.
 */
export async function tokenRequest(http: HttpRequester, authUrl: string, userAgent: string, credentials: Readonly<Record<string, string>>, grant: Record<string, string>, signal: AbortSignal): Promise<GrantedToken> {
  const basic = Buffer.from(`${credentials.clientId ?? ''}:${credentials.clientSecret ?? ''}`).toString('base64');
  const response = await partnerRequest(http, {
    url: `${authUrl}/token`,
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'user-agent': userAgent },
    body: new URLSearchParams(grant).toString(),
    signal,
  });
  if (response.status === 400 || response.status === 401) {
    const code = oauthError(response.text);
    throw new ConnectionRefusedError(`constant-contact refused the token request (${response.status} ${code}): authorize the connection again (connections authorize)`, response.status, code);
  }
  const token = jsonOf<{ access_token?: string; refresh_token?: string; expires_in?: number }>('constant-contact', expectOk('constant-contact', response));
  if (!token.access_token) throw new PermanentDeliveryError('constant-contact token answer carries no access_token', response.status);
  return { accessToken: token.access_token, expiresInS: token.expires_in ?? 86_400, ...(token.refresh_token ? { refreshToken: token.refresh_token } : {}) };
}

/** The refresh grant the TokenRefresher runs under the connection's row lock. */
export function refreshGrant(http: HttpRequester, authUrl: string, userAgent: string): TokenGrant {
  return (credentials, signal) => {
    if (!credentials.refreshToken) throw new ConnectionRefusedError('constant-contact is not authorized yet: run connections authorize and follow the link', 401, 'not_authorized');
    return tokenRequest(http, authUrl, userAgent, credentials, { grant_type: 'refresh_token', refresh_token: credentials.refreshToken }, signal);
  };
}

/** RFC 6749 §5.2's `error`, when it is one of its plain words; nothing else of the answer is repeated. */
function oauthError(text: string): string {
  try {
    const error = (JSON.parse(text) as { error?: unknown }).error;
    return typeof error === 'string' && /^[a-z_]{1,40}$/.test(error) ? error : 'refused';
  } catch {
    return 'refused';
  }
}
