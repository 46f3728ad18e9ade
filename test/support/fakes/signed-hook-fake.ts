import { Webhook } from 'standardwebhooks';
import { FakeServer, isRecord, parseJson, type FakeRequest, type Verdict } from './fake-server';
import { ISO_DATE, ZONED_ISO } from './partner-errors';

export interface HookPost {
  readonly hook: string;
  readonly webhookId: string;
  readonly body: Record<string, unknown>;
}

/**
 * A hook URL a partner gave us: a Zapier "Catch Hook" (flat JSON, HoneyBook's path) or a venue
 * system's inbound hook. Checks the Standard Webhooks signature with the hook's secret (the
 * independent `standardwebhooks` verifier), JSON, and the body's shape: `flat` — one level,
 * scalars only, ISO dates and zoned times; `venue` — type, reference and a wedding object.
 * An unknown hook answers 404, a turned-off one 410.
 */
export class SignedHookFake extends FakeServer<HookPost> {
  private readonly hooks = new Map<string, { secret: string; state: 'on' | 'off' }>();

  constructor(private readonly shape: 'flat' | 'venue') {
    super();
  }

  hookUrl(secret: string): string {
    const path = `/hooks/catch/${this.hooks.size + 1000}/${Math.random().toString(36).slice(2, 10)}/`;
    this.hooks.set(path, { secret, state: 'on' });
    return `${this.url}${path}`;
  }

  turnOff(url: string): void {
    const hook = this.hooks.get(new URL(url).pathname);
    if (hook) hook.state = 'off';
  }

  protected check(request: FakeRequest): Verdict<HookPost> {
    const refuse = (status: number, problems: string[]) => ({ ok: false as const, problems, reply: { status, body: { status: 'error', problems } } });
    const hook = this.hooks.get(request.path);
    if (request.method !== 'POST') return refuse(405, ['not POST']);
    if (!hook) return refuse(404, ['no hook at this path']);
    if (hook.state === 'off') return refuse(410, ['the hook is turned off']);
    try {
      new Webhook(hook.secret).verify(request.body, {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      });
    } catch {
      return refuse(401, ['signature does not verify']);
    }
    const parsed = parseJson(request.body);
    if ('problem' in parsed || !isRecord(parsed.value)) return refuse(400, ['body is not a JSON object']);
    const problems = this.shape === 'flat' ? flatProblems(parsed.value) : venueProblems(parsed.value);
    if (problems.length > 0) return refuse(422, problems);
    return { ok: true, accepted: { hook: request.path, webhookId: String(request.headers['webhook-id']), body: parsed.value }, reply: { status: 200, body: { status: 'success', attempt: 'x' } } };
  }
}

function flatProblems(body: Record<string, unknown>): string[] {
  const problems = Object.entries(body)
    .filter(([, v]) => typeof v !== 'string' && typeof v !== 'number')
    .map(([k]) => `${k} is not a string or number (Zapier maps one level only)`);
  if (typeof body.wedding_date !== 'string' || !ISO_DATE.test(body.wedding_date)) problems.push('wedding_date is not YYYY-MM-DD');
  for (const key of ['setup_start', 'ceremony_start', 'reception_start']) {
    const value = body[key];
    if (value !== '' && (typeof value !== 'string' || !ZONED_ISO.test(value))) problems.push(`${key} is neither empty nor ISO-8601 with an offset`);
  }
  if (typeof body.reference !== 'string' || body.reference.length === 0) problems.push('reference is missing');
  return problems;
}

function venueProblems(body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (body.type !== 'wedding.updated') problems.push('type is not wedding.updated');
  if (typeof body.reference !== 'string') problems.push('reference is missing');
  const wedding = body.wedding;
  if (!isRecord(wedding)) return [...problems, 'wedding is not an object'];
  if (typeof wedding.date !== 'string' || !ISO_DATE.test(wedding.date)) problems.push('wedding.date is not YYYY-MM-DD');
  if (wedding.guest_count !== null && !Number.isInteger(wedding.guest_count)) problems.push('wedding.guest_count is not an integer or null');
  for (const key of ['setup_start', 'ceremony_start', 'reception_start']) {
    const value = wedding[key];
    if (value !== null && (typeof value !== 'string' || !ZONED_ISO.test(value))) problems.push(`wedding.${key} is neither null nor ISO-8601 with an offset`);
  }
  return problems;
}
