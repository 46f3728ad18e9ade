import { randomBytes } from 'node:crypto';
import { FakeServer, isRecord, parseJson, type FakeRequest, type Verdict } from './fake-server';

export interface SlackPost {
  /** The hook's path, `/services/T…/B…/…`. */
  readonly hook: string;
  readonly text?: string;
  readonly blocks?: readonly Record<string, unknown>[];
}

type Text = { type?: unknown; text?: unknown };

/**
 * Slack incoming webhooks on loopback (providers.md §3): hooks are registered with `hookUrl()`;
 * an unknown or revoked hook answers 404 `no_service`, an archived one 410
 * `channel_is_archived`. Checks JSON, `text` or `blocks`, and Block Kit limits (≤ 50 blocks,
 * header plain_text ≤ 150, section text ≤ 3,000, ≤ 10 fields, button text ≤ 75 and url).
 * Answers `ok`, or Slack's plain-text error codes.
 */
export class SlackFake extends FakeServer<SlackPost> {
  private readonly hooks = new Map<string, 'active' | 'revoked' | 'archived'>();

  /** A new hook on this fake; the full URL is what a tenant pastes in (a secret). */
  hookUrl(): string {
    const path = `/services/T${rand(8)}/B${rand(8)}/${randomBytes(12).toString('hex')}`;
    this.hooks.set(path, 'active');
    return `${this.url}${path}`;
  }

  /** The app was uninstalled: 404 no_service from now on. */
  revoke(hookUrl: string): void {
    this.hooks.set(new URL(hookUrl).pathname, 'revoked');
  }

  /** The channel was archived: 410 channel_is_archived from now on. */
  archive(hookUrl: string): void {
    this.hooks.set(new URL(hookUrl).pathname, 'archived');
  }

  rateLimited(retryAfterSeconds = 1): this {
    return this.replyNext({ status: 429, headers: { 'retry-after': String(retryAfterSeconds) }, body: 'rate_limited' });
  }

  protected check(request: FakeRequest): Verdict<SlackPost> {
    const state = this.hooks.get(request.path);
    if (request.method !== 'POST') return refuse(405, 'invalid_method', [`${request.method} is not POST`]);
    if (!state || state === 'revoked') return refuse(404, 'no_service', ['no active hook at this path']);
    if (state === 'archived') return refuse(410, 'channel_is_archived', ['the hook\'s channel is archived']);
    if (!String(request.headers['content-type']).startsWith('application/json')) return refuse(400, 'invalid_payload', ['content-type is not application/json']);
    const parsed = parseJson(request.body);
    if ('problem' in parsed || !isRecord(parsed.value)) return refuse(400, 'invalid_payload', ['body is not a JSON object']);
    const { text, blocks } = parsed.value;
    if (typeof text !== 'string' && !Array.isArray(blocks)) return refuse(400, 'no_text', ['neither text nor blocks']);
    const problems = Array.isArray(blocks) ? blockProblems(blocks) : [];
    if (problems.length > 0) return refuse(400, 'invalid_blocks', problems);
    return {
      ok: true,
      accepted: { hook: request.path, ...(typeof text === 'string' ? { text } : {}), ...(Array.isArray(blocks) ? { blocks: blocks as Record<string, unknown>[] } : {}) },
      reply: { status: 200, body: 'ok' },
    };
  }
}

function blockProblems(blocks: unknown[]): string[] {
  const problems: string[] = [];
  if (blocks.length > 50) problems.push(`${blocks.length} blocks, over 50`);
  blocks.forEach((block, i) => {
    if (!isRecord(block)) return void problems.push(`block ${i} is not an object`);
    const text = block.text as Text | undefined;
    if (block.type === 'header') {
      if (text?.type !== 'plain_text') problems.push(`block ${i}: header text must be plain_text`);
      else problems.push(...limit(`block ${i}: header text`, text.text, 150));
    } else if (block.type === 'section') {
      if (!text && !Array.isArray(block.fields)) problems.push(`block ${i}: section needs text or fields`);
      if (text) problems.push(...limit(`block ${i}: section text`, text.text, 3000));
      if (Array.isArray(block.fields)) {
        if (block.fields.length > 10) problems.push(`block ${i}: ${block.fields.length} fields, over 10`);
        (block.fields as Text[]).forEach((f, j) => problems.push(...limit(`block ${i} field ${j}`, f?.text, 2000)));
      }
      const accessory = block.accessory as { type?: unknown; text?: Text; url?: unknown } | undefined;
      if (accessory?.type === 'button') {
        problems.push(...limit(`block ${i}: button text`, accessory.text?.text, 75));
        if (typeof accessory.url !== 'string' || accessory.url.length > 3000) problems.push(`block ${i}: button url missing or over 3000`);
      }
    } else if (block.type === 'context') {
      const elements = block.elements as Text[] | undefined;
      if (!Array.isArray(elements) || elements.length === 0 || elements.length > 10) problems.push(`block ${i}: context needs 1-10 elements`);
    } else if (!['divider', 'actions', 'image'].includes(String(block.type))) {
      problems.push(`block ${i}: unknown type ${String(block.type)}`);
    }
  });
  return problems;
}

function limit(what: string, text: unknown, max: number): string[] {
  if (typeof text !== 'string' || text.length === 0) return [`${what} is missing`];
  return text.length > max ? [`${what} is ${text.length} characters, over ${max}`] : [];
}

function rand(n: number): string {
  return randomBytes(n).toString('hex').toUpperCase().slice(0, n);
}

function refuse(status: number, code: string, problems: string[]): Verdict<never> {
  // Slack's body is the bare code; the details after it are the fake's, for whoever reads the logs.
  return { ok: false, problems, reply: { status, body: `${code}\n${problems.join('; ')}` } };
}
