import { createHash, randomUUID } from 'node:crypto';
import { FakeServer, isRecord, parseJson, type FakeReply, type FakeRequest, type Verdict } from './fake-server';

export interface MailchimpMember {
  readonly listId: string;
  readonly hash: string;
  email: string;
  status: 'subscribed' | 'pending' | 'unsubscribed' | 'cleaned' | 'archived';
  mergeFields: Record<string, unknown>;
  readonly tags: Set<string>;
}

export interface MailchimpCall {
  readonly kind: 'upsert' | 'tags' | 'journey' | 'archive' | 'ping';
  readonly key: string;
  readonly path: string;
  readonly body: unknown;
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** Mailchimp's error document (RFC 7807), as every Marketing API error answers [doc]. */
export function mailchimpProblem(status: number, title: string, detail: string): FakeReply {
  return {
    status,
    headers: { 'content-type': 'application/problem+json; charset=utf-8' },
    body: { type: 'https://mailchimp.com/developer/marketing/docs/errors/', title, status, detail, instance: randomUUID() },
  };
}

/**
 * Mailchimp Marketing API v3 on loopback, at `/{dc}/3.0`: HTTP Basic with the API key as
 * password, and the path's data center must be the key's suffix (else 401 like the real one).
 * `PUT /lists/{list}/members/{hash}` checks the hash is the MD5 of the lower-cased address and
 * that `status_if_new` is given, keeps an existing member's status, and refuses a body that sets
 * `status` (our rule: never change it); forgotten and fake addresses answer 400 as documented.
 * Tags, Customer Journey triggers (subscribed members of the journey's audience only) and
 * archiving (`DELETE`) work on the members it holds. No rate headers, ever.
 */
export class MailchimpFake extends FakeServer<MailchimpCall> {
  readonly members = new Map<string, MailchimpMember>();
  readonly journeys = new Map<string, { listId: string; triggered: string[] }>();
  maxConnections = 10;
  private readonly keys = new Set<string>();
  private readonly lists = new Set<string>();
  private readonly forgotten = new Set<string>();
  private readonly fake = new Set<string>();

  /** The API base for a connection: `{dc}` is filled in by the adapter from the key. */
  get apiUrl(): string {
    return `${this.url}/{dc}/3.0`;
  }

  addKey(key: string): string {
    this.keys.add(key);
    return key;
  }

  revokeKey(key: string): void {
    this.keys.delete(key);
  }

  addList(listId: string): string {
    this.lists.add(listId);
    return listId;
  }

  addJourney(journeyId: number, stepId: number, listId: string): void {
    this.journeys.set(`${journeyId}/${stepId}`, { listId, triggered: [] });
  }

  /** Someone who was permanently deleted ("forgotten") from this audience. */
  forget(email: string): void {
    this.forgotten.add(email.toLowerCase());
  }

  /** An address Mailchimp takes for fake or blocks for compliance. */
  refuseAddress(email: string): void {
    this.fake.add(email.toLowerCase());
  }

  /** A member who unsubscribed themselves in Mailchimp. */
  addMember(listId: string, email: string, status: MailchimpMember['status']): MailchimpMember {
    const hash = md5(email.toLowerCase());
    const member: MailchimpMember = { listId, hash, email, status, mergeFields: {}, tags: new Set() };
    this.members.set(`${listId}/${hash}`, member);
    return member;
  }

  member(listId: string, email: string): MailchimpMember | undefined {
    return this.members.get(`${listId}/${md5(email.trim().toLowerCase())}`);
  }

  protected check(request: FakeRequest): Verdict<MailchimpCall> {
    const fail = (reply: FakeReply, problem: string): Verdict<MailchimpCall> => ({ ok: false, problems: [problem], reply });
    const url = new URL(request.path, 'http://fake');
    const match = /^\/([a-z]{2,4}\d{1,3})\/3\.0(\/.*)$/.exec(url.pathname);
    if (!match) return fail(mailchimpProblem(404, 'Resource Not Found', 'The requested resource could not be found.'), 'not under /{dc}/3.0');
    const [, dc, path] = match as unknown as [string, string, string];
    const basic = /^Basic (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
    const key = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':').slice(1).join(':') : '';
    if (!this.keys.has(key)) return fail(mailchimpProblem(401, 'API Key Invalid', 'Your API key may be invalid, or you\'ve attempted to access the wrong datacenter.'), 'unknown key');
    if (!key.endsWith(`-${dc}`)) return fail(mailchimpProblem(401, 'API Key Invalid', 'Your API key may be invalid, or you\'ve attempted to access the wrong datacenter.'), `data center ${dc} is not the key's`);
    // 10 simultaneous connections per account; past it a 429 with no rate headers [doc + 3p].
    if (this.inFlight > this.maxConnections) return fail(mailchimpProblem(429, 'Too Many Requests', 'You have exceeded the limit of 10 simultaneous connections.'), 'more than 10 simultaneous connections');
    const body = request.body ? parseJson(request.body) : { value: undefined };
    if ('problem' in body) return fail(mailchimpProblem(400, 'JSON Parse Exception', 'We encountered an unspecified JSON parsing error.'), body.problem);
    const call = (kind: MailchimpCall['kind'], reply: FakeReply): Verdict<MailchimpCall> => ({ ok: true, accepted: { kind, key, path, body: body.value }, reply });

    if (request.method === 'GET' && path === '/ping') return call('ping', { status: 200, body: { health_status: "Everything's Chimpy!" } });
    const member = /^\/lists\/(\w+)\/members\/([0-9a-f]{32})(\/tags)?$/.exec(path);
    if (member) {
      const [, listId, hash, tags] = member as unknown as [string, string, string, string | undefined];
      if (!this.lists.has(listId)) return fail(mailchimpProblem(404, 'Resource Not Found', 'The requested resource could not be found.'), 'unknown list');
      const held = this.members.get(`${listId}/${hash}`);
      if (request.method === 'PUT' && !tags) return this.upsert(listId, hash, held, body.value, call);
      if (request.method === 'POST' && tags) {
        if (!held || held.status === 'archived') return fail(mailchimpProblem(404, 'Resource Not Found', 'The requested resource could not be found.'), 'tags for no member');
        const v = body.value;
        const ok = isRecord(v) && Array.isArray(v.tags) && v.tags.every((t) => isRecord(t) && typeof t.name === 'string' && t.name.length > 0 && (t.status === 'active' || t.status === 'inactive'));
        if (!ok) return fail(mailchimpProblem(400, 'Invalid Resource', 'The resource submitted could not be validated.'), 'tags body is not {tags:[{name,status}]}');
        return call('tags', { status: 204 });
      }
      if (request.method === 'DELETE' && !tags) {
        if (!held || held.status === 'archived') return fail(mailchimpProblem(404, 'Resource Not Found', 'The requested resource could not be found.'), 'no such member');
        return call('archive', { status: 204 });
      }
    }
    const journey = /^\/customer-journeys\/journeys\/(\d+)\/steps\/(\d+)\/actions\/trigger$/.exec(path);
    if (journey && request.method === 'POST') {
      const known = this.journeys.get(`${journey[1]}/${journey[2]}`);
      if (!known) return fail(mailchimpProblem(404, 'Resource Not Found', 'The requested resource could not be found.'), 'unknown journey step');
      const email = isRecord(body.value) && typeof body.value.email_address === 'string' ? body.value.email_address : null;
      if (!email) return fail(mailchimpProblem(400, 'Invalid Resource', 'The resource submitted could not be validated.'), 'no email_address');
      const subscriber = this.member(known.listId, email);
      if (subscriber?.status !== 'subscribed') return fail(mailchimpProblem(400, 'Bad Request', 'The contact is not subscribed to the audience of this journey.'), 'journey for a non-subscribed contact');
      return call('journey', { status: 204 });
    }
    return fail(mailchimpProblem(404, 'Resource Not Found', 'The requested resource could not be found.'), `no route ${request.method} ${path}`);
  }

  private upsert(listId: string, hash: string, held: MailchimpMember | undefined, value: unknown, call: (kind: 'upsert', reply: FakeReply) => Verdict<MailchimpCall>): Verdict<MailchimpCall> {
    const fail = (reply: FakeReply, problem: string): Verdict<MailchimpCall> => ({ ok: false, problems: [problem], reply });
    if (!isRecord(value) || typeof value.email_address !== 'string') return fail(mailchimpProblem(400, 'Invalid Resource', 'The resource submitted could not be validated.'), 'no email_address');
    const email = value.email_address;
    if (md5(email.toLowerCase()) !== hash) return fail(mailchimpProblem(400, 'Invalid Resource', 'The subscriber hash does not match the email address.'), 'hash is not md5(lower(email))');
    if ('status' in value) return fail(mailchimpProblem(400, 'Invalid Resource', 'status must not be sent by this integration.'), 'body sets status: it would change an existing member');
    if (!held && value.status_if_new !== 'subscribed' && value.status_if_new !== 'pending') return fail(mailchimpProblem(400, 'Invalid Resource', 'The resource submitted could not be validated.'), 'new member without a valid status_if_new');
    if (this.forgotten.has(email.toLowerCase())) return fail(mailchimpProblem(400, 'Forgotten Email Not Subscribed', `${email} was permanently deleted and cannot be re-imported. The contact must re-subscribe to get back on the list.`), 'forgotten');
    if (this.fake.has(email.toLowerCase())) return fail(mailchimpProblem(400, 'Invalid Resource', `${email} looks fake or invalid, please enter a real email address.`), 'fake address');
    const status = held && held.status !== 'archived' ? held.status : (value.status_if_new as MailchimpMember['status']);
    const mergeFields = isRecord(value.merge_fields) ? value.merge_fields : {};
    return call('upsert', { status: 200, body: { id: hash, email_address: email, status, merge_fields: { ...held?.mergeFields, ...mergeFields }, list_id: listId, tags: [...(held?.tags ?? [])].map((name) => ({ name })) } });
  }

  protected override remember(accepted: MailchimpCall): void {
    const parts = /\/lists\/(\w+)\/members\/([0-9a-f]{32})/.exec(accepted.path);
    const id = parts ? `${parts[1]}/${parts[2]}` : '';
    const body = accepted.body as Record<string, unknown>;
    if (accepted.kind === 'upsert') {
      const held = this.members.get(id);
      const status = held && held.status !== 'archived' ? held.status : (body.status_if_new as MailchimpMember['status']);
      this.members.set(id, { listId: parts![1]!, hash: parts![2]!, email: String(body.email_address), status, mergeFields: { ...held?.mergeFields, ...(body.merge_fields as object) }, tags: held?.tags ?? new Set() });
    }
    if (accepted.kind === 'tags') {
      const tags = this.members.get(id)!.tags;
      for (const t of body.tags as { name: string; status: string }[]) {
        if (t.status === 'active') tags.add(t.name);
        else tags.delete(t.name);
      }
    }
    if (accepted.kind === 'archive') this.members.get(id)!.status = 'archived';
    if (accepted.kind === 'journey') {
      const j = /journeys\/(\d+)\/steps\/(\d+)/.exec(accepted.path)!;
      this.journeys.get(`${j[1]}/${j[2]}`)!.triggered.push(String(body.email_address));
    }
  }
}
