import { createHash, randomUUID } from 'node:crypto';
import { FakeServer, isRecord, parseJson, type FakeReply, type FakeRequest, type Verdict } from './fake-server';

export interface ResendEmail {
  readonly id: string;
  readonly idempotencyKey: string;
  /** sha256 of the request body, to tell a replay from a reused key. */
  readonly payloadHash: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly html?: string;
  readonly text?: string;
  readonly replyTo?: string | readonly string[];
  readonly tags?: readonly { name: string; value: string }[];
}

const ADDRESS = /^(?:[^<>]*<)?[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;]+>?$/;

/**
 * Resend's `POST /emails` on loopback, checked against providers.md §1: Bearer key,
 * JSON, an Idempotency-Key (1–256 chars, replayed for the same payload, 409 for a different
 * one), `from`, `to` (≤ 50), `subject` without line breaks, `html` or `text`. Errors have
 * Resend's shape `{statusCode, name, message}`.
 */
export class ResendFake extends FakeServer<ResendEmail> {
  /** Key → payload hash and the id answered, as Resend keeps them for 24 h. */
  private readonly keys = new Map<string, { hash: string; id: string }>();

  constructor(readonly apiKey = 're_test_fake_key', onAccepted?: (email: ResendEmail) => void) {
    super(onAccepted);
  }

  /** `429 rate_limit_exceeded` with `retry-after`. */
  rateLimited(retryAfterSeconds = 1): this {
    return this.replyNext(resendError(429, 'rate_limit_exceeded', 'Too many requests.', { 'retry-after': String(retryAfterSeconds), 'ratelimit-limit': '2', 'ratelimit-remaining': '0', 'ratelimit-reset': String(retryAfterSeconds) }));
  }

  quotaExceeded(period: 'daily' | 'monthly'): this {
    return this.replyNext(resendError(429, `${period}_quota_exceeded`, `You have reached your ${period} email sending quota.`));
  }

  failNext(status: number, name: string, message = name): this {
    return this.replyNext(resendError(status, name, message));
  }

  protected override remember(email: ResendEmail): void {
    this.keys.set(email.idempotencyKey, { hash: email.payloadHash, id: email.id });
  }

  protected check(request: FakeRequest): Verdict<ResendEmail> {
    const auth = request.headers.authorization;
    if (!auth) return refuse(401, 'missing_api_key', ['no Authorization header']);
    if (auth !== `Bearer ${this.apiKey}`) return refuse(403, 'invalid_api_key', ['Authorization is not "Bearer <the fake\'s key>"']);
    if (request.method !== 'POST' || request.path !== '/emails') return refuse(404, 'not_found', [`${request.method} ${request.path} is not POST /emails`]);
    const problems: string[] = [];
    if (!String(request.headers['content-type']).startsWith('application/json')) problems.push('content-type is not application/json');
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || key.length < 1 || key.length > 256) problems.push('Idempotency-Key header missing or not 1-256 characters');
    const parsed = parseJson(request.body);
    if ('problem' in parsed) return refuse(400, 'validation_error', [...problems, parsed.problem]);
    const body = parsed.value;
    if (!isRecord(body)) return refuse(400, 'validation_error', [...problems, 'body is not an object']);
    problems.push(...emailProblems(body));
    if (problems.length > 0 || typeof key !== 'string') return refuse(400, 'validation_error', problems);

    const hash = createHash('sha256').update(request.body).digest('hex');
    const known = this.keys.get(key);
    if (known && known.hash !== hash) return refuse(409, 'invalid_idempotent_request', ['Idempotency-Key reused with a different payload']);
    // The same key and payload: Resend answers the first id again and sends nothing.
    if (known) return { ok: 'replay', reply: { status: 200, body: { id: known.id } } };
    const id = randomUUID();
    const to = typeof body.to === 'string' ? [body.to] : (body.to as string[]);
    const email: ResendEmail = {
      id,
      idempotencyKey: key,
      payloadHash: hash,
      from: body.from as string,
      to,
      subject: body.subject as string,
      ...(typeof body.html === 'string' ? { html: body.html } : {}),
      ...(typeof body.text === 'string' ? { text: body.text } : {}),
      ...(body.reply_to !== undefined ? { replyTo: body.reply_to as string } : {}),
      ...(Array.isArray(body.tags) ? { tags: body.tags as ResendEmail['tags'] } : {}),
    };
    return { ok: true, accepted: email, reply: { status: 200, headers: { 'ratelimit-limit': '2', 'ratelimit-remaining': '1', 'ratelimit-reset': '1' }, body: { id } } };
  }
}

function emailProblems(body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (typeof body.from !== 'string' || !ADDRESS.test(body.from)) problems.push('`from` must be "Name <address>" or an address');
  const to = typeof body.to === 'string' ? [body.to] : body.to;
  if (!Array.isArray(to) || to.length < 1 || to.length > 50) problems.push('`to` must be an address or 1-50 addresses');
  else if (!to.every((a) => typeof a === 'string' && ADDRESS.test(a))) problems.push('`to` holds something that is not one address');
  if (typeof body.subject !== 'string' || body.subject.length === 0) problems.push('`subject` is required');
  else if (/[\r\n]/.test(body.subject)) problems.push('`subject` contains a line break');
  if (typeof body.html !== 'string' && typeof body.text !== 'string') problems.push('`html` or `text` is required');
  if ('replyTo' in body) problems.push('`replyTo` is the SDK spelling; the API field is `reply_to`');
  return problems;
}

function resendError(statusCode: number, name: string, message: string, headers?: Record<string, string>): FakeReply {
  return { status: statusCode, ...(headers ? { headers } : {}), body: { statusCode, name, message } };
}

function refuse(status: number, name: string, problems: string[]): Verdict<never> {
  return { ok: false, problems, reply: resendError(status, name, problems.join('; ')) };
}
