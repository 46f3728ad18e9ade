import { randomBytes } from 'node:crypto';
import { FakeServer, isRecord, parseJson, type FakeRequest, type Verdict } from './fake-server';
import { HH_MM, ISO_DATE } from './partner-errors';

export interface TripleseatUpdate {
  readonly eventId: string;
  readonly event: Record<string, unknown>;
}

/**
 * Tripleseat API v1 on loopback: `POST /oauth/token` (client credentials, form body) issues
 * Bearer tokens that expire (`expires_in`); `PUT /v1/events/{id}.json` with `{event: {...}}`
 * checks the token (401 once expired or revoked), `event_date` YYYY-MM-DD, `start_time` and
 * `end_time` HH:MM, `guest_count` an integer; an unknown event is 404.
 */
export class TripleseatFake extends FakeServer<TripleseatUpdate> {
  readonly events = new Map<string, Record<string, unknown>>();
  readonly tokenRequests: string[] = [];
  private readonly clients = new Map<string, string>();
  private readonly tokens = new Map<string, { clientId: string; expiresAtMs: number }>();

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  addClient(clientId: string, clientSecret: string): void {
    this.clients.set(clientId, clientSecret);
  }

  /** The venue revoked the app: its tokens stop working and no new one is issued. */
  revokeClient(clientId: string): void {
    this.clients.delete(clientId);
    for (const [token, t] of this.tokens) if (t.clientId === clientId) this.tokens.delete(token);
  }

  addEvent(id: string): void {
    this.events.set(id, { id });
  }

  protected check(request: FakeRequest): Verdict<TripleseatUpdate> {
    const fail = (status: number, problems: string[]): Verdict<TripleseatUpdate> => ({ ok: false, problems, reply: { status, body: { error: problems.join('; '), status } } });
    const url = new URL(request.path, 'http://fake');
    if (request.method === 'POST' && url.pathname === '/oauth/token') {
      const form = new URLSearchParams(request.body);
      this.tokenRequests.push(form.get('client_id') ?? '');
      if (form.get('grant_type') !== 'client_credentials') return fail(400, ['unsupported_grant_type']);
      const id = form.get('client_id') ?? '';
      if (!this.clients.has(id) || this.clients.get(id) !== form.get('client_secret')) return fail(401, ['invalid_client']);
      const token = randomBytes(16).toString('hex');
      this.tokens.set(token, { clientId: id, expiresAtMs: this.now() + 7_200_000 });
      return { ok: 'replay', reply: { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: 7200, scope: 'read write' } } };
    }
    const bearer = /^Bearer (\w+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
    const token = bearer ? this.tokens.get(bearer) : undefined;
    if (!token || token.expiresAtMs <= this.now()) return fail(401, ['token missing, expired or revoked']);
    const match = /^\/v1\/events\/(\d+)\.json$/.exec(url.pathname);
    if (request.method === 'GET' && url.pathname === '/v1/events.json') return { ok: 'replay', reply: { status: 200, body: { results: [...this.events.values()] } } };
    if (request.method !== 'PUT' || !match) return fail(404, ['no such route']);
    if (!this.events.has(match[1]!)) return fail(404, ['no such event']);
    const parsed = parseJson(request.body);
    if ('problem' in parsed || !isRecord(parsed.value) || !isRecord(parsed.value.event)) return fail(422, ['body is not {"event": {...}}']);
    const event = parsed.value.event;
    const problems: string[] = [];
    if (typeof event.event_date !== 'string' || !ISO_DATE.test(event.event_date)) problems.push('event_date is not YYYY-MM-DD');
    for (const key of ['start_time', 'end_time']) if (event[key] !== null && (typeof event[key] !== 'string' || !HH_MM.test(event[key] as string))) problems.push(`${key} is not HH:MM`);
    if (event.guest_count !== null && !Number.isInteger(event.guest_count)) problems.push('guest_count is not an integer');
    if (problems.length > 0) return fail(422, problems);
    return { ok: true, accepted: { eventId: match[1]!, event }, reply: { status: 200, body: { id: Number(match[1]), ...event } } };
  }

  protected override remember(update: TripleseatUpdate): void {
    this.events.set(update.eventId, { ...this.events.get(update.eventId), ...update.event });
  }
}
