import { randomBytes, randomUUID } from 'node:crypto';
import { FakeServer, isRecord, parseJson, type FakeReply, type FakeRequest, type Verdict } from './fake-server';

export interface CcContact {
  readonly contactId: string;
  email: string;
  firstName: string;
  lastName: string;
  permission: 'explicit' | 'implicit' | 'pending_confirmation' | 'unsubscribed';
  readonly lists: Set<string>;
  deleted: boolean;
}

export interface CcCall {
  readonly kind: 'token' | 'lookup' | 'sign_up' | 'delete' | 'lists';
  readonly path: string;
  readonly body: unknown;
}

/** Constant Contact's error body: an array of {error_key, error_message} [doc]. */
export const ccError = (status: number, key: string, message: string): FakeReply => ({ status, body: [{ error_key: key, error_message: message }] });

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Constant Contact v3 and its authorization server on loopback. `/oauth2/default/v1/token`
 * takes the app's client in HTTP Basic and a form body: an authorization code once, or a
 * refresh token once — each refresh rotates it, and a used one answers 400 `invalid_grant`.
 * Access tokens last 24 h on the injected clock. `/v3/...` checks the Bearer token, counts
 * requests against the daily quota (reset 00:00 UTC) and answers 429 `quota_exceeded` past it,
 * with no headers; `sign_up_form` checks its body as documented and, like the real one, sets
 * explicit permission even for an unsubscribed contact (counted in `resubscribed`).
 */
export class ConstantContactFake extends FakeServer<CcCall> {
  readonly contacts = new Map<string, CcContact>();
  readonly refreshRequests: string[] = [];
  readonly invalidGrants: string[] = [];
  resubscribed = 0;
  dailyLimit = 10_000;
  private readonly clients = new Map<string, { secret: string; redirectUri: string }>();
  private readonly codes = new Map<string, string>();
  private readonly refreshTokens = new Map<string, string>();
  private readonly accessTokens = new Map<string, { clientId: string; expiresAtMs: number }>();
  private readonly lists = new Set<string>();
  private readonly usedToday = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  get apiUrl(): string {
    return `${this.url}/v3`;
  }

  get authUrl(): string {
    return `${this.url}/oauth2/default/v1`;
  }

  addClient(clientId: string, secret: string, redirectUri: string): void {
    this.clients.set(clientId, { secret, redirectUri });
  }

  /** The owner granted access on Constant Contact's page: the code their browser brings back. */
  issueCode(clientId: string): string {
    const code = randomBytes(12).toString('hex');
    this.codes.set(code, clientId);
    return code;
  }

  /** A refresh token as if issued earlier (a connection authorized before the test). */
  issueRefreshToken(clientId: string): string {
    const token = randomBytes(16).toString('hex');
    this.refreshTokens.set(token, clientId);
    return token;
  }

  /** The owner disconnected the app: its tokens stop working. */
  revokeClient(clientId: string): void {
    this.clients.delete(clientId);
    for (const [t, c] of this.accessTokens) if (c.clientId === clientId) this.accessTokens.delete(t);
    for (const [t, c] of this.refreshTokens) if (c === clientId) this.refreshTokens.delete(t);
  }

  addList(): string {
    const id = randomUUID();
    this.lists.add(id);
    return id;
  }

  /** A contact who unsubscribed in Constant Contact. */
  addContact(email: string, permission: CcContact['permission']): CcContact {
    const contact: CcContact = { contactId: randomUUID(), email, firstName: '', lastName: '', permission, lists: new Set(), deleted: false };
    this.contacts.set(email.toLowerCase(), contact);
    return contact;
  }

  /** Spends the rest of today's quota of this client. */
  spendQuota(clientId: string): void {
    this.usedToday.set(`${clientId}:${this.day()}`, this.dailyLimit);
  }

  private day(): string {
    return new Date(this.now()).toISOString().slice(0, 10);
  }

  protected check(request: FakeRequest): Verdict<CcCall> {
    const fail = (reply: FakeReply, problem: string): Verdict<CcCall> => ({ ok: false, problems: [problem], reply });
    const url = new URL(request.path, 'http://fake');
    if (url.pathname === '/oauth2/default/v1/token') return this.token(request, fail);
    if (!url.pathname.startsWith('/v3/')) return fail(ccError(404, 'not_found', 'The requested resource was not found.'), 'not under /v3');
    const bearer = /^Bearer (\w+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
    const token = bearer ? this.accessTokens.get(bearer) : undefined;
    if (!token || token.expiresAtMs <= this.now()) return fail(ccError(401, 'unauthorized', 'The access token used is invalid.'), 'token missing, expired or revoked');
    const dayKey = `${token.clientId}:${this.day()}`;
    const used = this.usedToday.get(dayKey) ?? 0;
    if (used >= this.dailyLimit) return fail(ccError(429, 'quota_exceeded', 'Too many requests: the daily quota of this API key is spent.'), 'daily quota spent');
    this.usedToday.set(dayKey, used + 1);
    const path = url.pathname.slice(3);
    const call = (kind: CcCall['kind'], reply: FakeReply, body: unknown = undefined): Verdict<CcCall> => ({ ok: true, accepted: { kind, path, body }, reply });

    if (request.method === 'GET' && path === '/contact_lists') return call('lists', { status: 200, body: { lists: [...this.lists].map((list_id) => ({ list_id })) } });
    if (request.method === 'GET' && path === '/contacts') {
      const email = (url.searchParams.get('email') ?? '').toLowerCase();
      if (!email.includes('@')) return fail(ccError(400, 'contacts.api.bad.request', 'email is not a valid address.'), 'lookup without a valid email');
      const found = this.contacts.get(email);
      const visible = found && (!found.deleted || url.searchParams.get('status') === 'all');
      const contacts = visible ? [{ contact_id: found.contactId, email_address: { address: found.email, permission_to_send: found.permission } }] : [];
      return call('lookup', { status: 200, body: { contacts } });
    }
    if (request.method === 'POST' && path === '/contacts/sign_up_form') {
      const parsed = parseJson(request.body);
      if ('problem' in parsed || !isRecord(parsed.value)) return fail(ccError(400, 'http.status.bad_request', 'Bad request.'), 'body is not a JSON object');
      const v = parsed.value;
      const problems: string[] = [];
      if (typeof v.email_address !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(v.email_address)) problems.push('email_address is not an address string');
      if (!Array.isArray(v.list_memberships) || v.list_memberships.length < 1 || v.list_memberships.length > 50) problems.push('list_memberships must hold 1 to 50 list ids');
      else if (!v.list_memberships.every((id) => typeof id === 'string' && GUID.test(id) && this.lists.has(id))) problems.push('list_memberships holds an unknown list id');
      if ('permission_to_send' in v || 'opt_in_source' in v) problems.push('sign_up_form takes no permission_to_send or opt_in_source');
      for (const key of ['first_name', 'last_name']) if (key in v && (typeof v[key] !== 'string' || (v[key] as string).length > 50)) problems.push(`${key} is not a string of at most 50 characters`);
      if (problems.length) return fail(ccError(400, 'contacts.api.validation.error', problems.join('; ')), problems.join('; '));
      const existing = this.contacts.get(String(v.email_address).toLowerCase());
      const contactId = existing?.contactId ?? randomUUID();
      return call('sign_up', { status: existing ? 200 : 201, body: { contact_id: contactId, action: existing ? 'updated' : 'created' } }, { ...v, contactId });
    }
    const del = /^\/contacts\/([0-9a-f-]{36})$/.exec(path);
    if (request.method === 'DELETE' && del) {
      const contact = [...this.contacts.values()].find((c) => c.contactId === del[1] && !c.deleted);
      if (!contact) return fail(ccError(404, 'contacts.api.not_found', 'The requested resource was not found.'), 'no such contact');
      return call('delete', { status: 204 }, { contactId: del[1] });
    }
    return fail(ccError(404, 'not_found', 'The requested resource was not found.'), `no route ${request.method} ${path}`);
  }

  private token(request: FakeRequest, fail: (reply: FakeReply, problem: string) => Verdict<CcCall>): Verdict<CcCall> {
    const oauth = (status: number, error: string, description: string): FakeReply => ({ status, body: { error, error_description: description } });
    const basic = /^Basic (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
    const [clientId = '', secret = ''] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
    const client = this.clients.get(clientId);
    if (request.method !== 'POST' || !String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return fail(oauth(400, 'invalid_request', 'form POST expected'), 'token request is not a form POST');
    if (!client || client.secret !== secret) return fail(oauth(401, 'invalid_client', 'Client authentication failed.'), 'invalid client');
    const form = new URLSearchParams(request.body);
    const grant = form.get('grant_type');
    if (grant === 'authorization_code') {
      const code = form.get('code') ?? '';
      const issuedTo = this.codes.get(code);
      this.codes.delete(code);
      if (issuedTo !== clientId || form.get('redirect_uri') !== client.redirectUri) return fail(oauth(400, 'invalid_grant', 'The authorization code is invalid or has expired.'), 'bad code or redirect_uri');
    } else if (grant === 'refresh_token') {
      const refresh = form.get('refresh_token') ?? '';
      this.refreshRequests.push(refresh);
      // Rotating refresh tokens: single use, gone the moment they are presented.
      const issuedTo = this.refreshTokens.get(refresh);
      this.refreshTokens.delete(refresh);
      if (issuedTo !== clientId) {
        this.invalidGrants.push(refresh);
        return fail(oauth(400, 'invalid_grant', 'The refresh token is invalid or expired.'), 'used or unknown refresh token');
      }
    } else return fail(oauth(400, 'unsupported_grant_type', 'The authorization grant type is not supported.'), `grant ${grant}`);
    const access = randomBytes(16).toString('hex');
    const refresh = randomBytes(16).toString('hex');
    this.accessTokens.set(access, { clientId, expiresAtMs: this.now() + 86_400_000 });
    this.refreshTokens.set(refresh, clientId);
    return { ok: true, accepted: { kind: 'token', path: '/token', body: { grant } }, reply: { status: 200, body: { access_token: access, refresh_token: refresh, token_type: 'Bearer', expires_in: 86_400, scope: 'contact_data offline_access' } } };
  }

  protected override remember(accepted: CcCall): void {
    const body = accepted.body as Record<string, unknown> | undefined;
    if (accepted.kind === 'sign_up' && body) {
      const email = String(body.email_address);
      const held = this.contacts.get(email.toLowerCase());
      if (held?.permission === 'unsubscribed') this.resubscribed += 1;
      const contact: CcContact = held ?? { contactId: String(body.contactId), email, firstName: '', lastName: '', permission: 'explicit', lists: new Set(), deleted: false };
      contact.firstName = String(body.first_name ?? contact.firstName);
      contact.lastName = String(body.last_name ?? contact.lastName);
      contact.permission = 'explicit';
      contact.deleted = false;
      for (const id of body.list_memberships as string[]) contact.lists.add(id);
      this.contacts.set(email.toLowerCase(), contact);
    }
    if (accepted.kind === 'delete' && body) {
      const contact = [...this.contacts.values()].find((c) => c.contactId === body.contactId);
      if (contact) contact.deleted = true;
    }
  }
}
