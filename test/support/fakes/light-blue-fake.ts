import { FakeServer, type FakeRequest, type Verdict } from './fake-server';
import { ISO_DATE } from './partner-errors';

export interface LightBlueItem {
  readonly key: string;
  readonly reference: string;
  readonly fields: Readonly<Record<string, string>>;
  /** Answered -4: the Inbox already held this Reference, nothing new was added. */
  readonly duplicate: boolean;
}

/**
 * Light Blue's inbound api.php on loopback (partners.md): a form POST, UTF-8, with the studio's
 * `key` and `type=contact form`. Answers with a status code in the body: 0 ok, -3 bad type or no
 * valid parameter, -4 duplicate Reference (the item is already in the Inbox). Plain http is the
 * tests' loopback; the client's HTTPS rule is tested on its own.
 */
export class LightBlueFake extends FakeServer<LightBlueItem> {
  readonly inbox = new Map<string, LightBlueItem>();
  private readonly keys = new Set<string>();

  addKey(key: string): string {
    this.keys.add(key);
    return key;
  }

  get apiUrl(): string {
    return `${this.url}/api.php`;
  }

  protected check(request: FakeRequest): Verdict<LightBlueItem> {
    const refuse = (status: number, body: string, problems: string[]) => ({ ok: false as const, problems, reply: { status, body } });
    if (request.method !== 'POST' || request.path !== '/api.php') return refuse(404, 'Not Found', ['not POST /api.php']);
    const type = String(request.headers['content-type'] ?? '');
    if (!type.startsWith('application/x-www-form-urlencoded') || !/charset=utf-8/i.test(type)) return refuse(200, '-3', ['not a UTF-8 form post']);
    const form = new URLSearchParams(request.body);
    const key = form.get('key') ?? '';
    // Light Blue documents no code for a bad key; the fake answers 401 like any API gateway would [inferred].
    if (!this.keys.has(key)) return refuse(401, 'Unauthorized', ['unknown key']);
    if (form.get('type') !== 'contact form') return refuse(200, '-3', ['type is not "contact form"']);
    const fields = Object.fromEntries([...form.entries()].filter(([k]) => k !== 'key' && k !== 'type'));
    const problems: string[] = [];
    if (!fields.ContactNameFirst && !fields.ContactEmail) problems.push('neither ContactNameFirst nor ContactEmail');
    if (fields.ShootDate && !ISO_DATE.test(fields.ShootDate)) problems.push('ShootDate is not YYYY-MM-DD');
    if (!fields.Reference) problems.push('no Reference: duplicates cannot be detected');
    if (problems.length > 0) return refuse(200, '-3', problems);
    // A duplicate is still a request like any other: a scripted rate limit applies to it first.
    const duplicate = this.inbox.has(fields.Reference!);
    return { ok: true, accepted: { key, reference: fields.Reference!, fields, duplicate }, reply: { status: 200, body: duplicate ? '-4' : '0' } };
  }

  protected override remember(item: LightBlueItem): void {
    if (!item.duplicate) this.inbox.set(item.reference, item);
  }
}
