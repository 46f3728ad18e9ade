import { FakeServer, isRecord, parseJson, type FakeRequest, type Verdict } from './fake-server';

export interface SlackApiCall {
  readonly method: string;
  readonly args: Record<string, unknown>;
}

/**
 * The Slack Web API on loopback (partners.md §3.1), for `@slack/web-api` pointed at
 * `${url}/api/`: `Authorization: Bearer xoxb-…` (missing: `not_authed`, unknown:
 * `invalid_auth`), form-encoded or JSON arguments. Like Slack, errors are HTTP 200
 * `{ok:false,error}`, rate limits 429 with Retry-After. `chat.update` needs a message posted
 * with `post()` (else `channel_not_found` / `message_not_found`) and `text` or `blocks`.
 */
export class SlackApiFake extends FakeServer<SlackApiCall> {
  private readonly messages = new Map<string, Set<string>>();
  private sequence = 0;

  constructor(readonly botToken = 'xoxb-1111-2222-fakebottoken') {
    super();
  }

  /** The SDK's slackApiUrl. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /** A message the app posted earlier: its channel and ts. */
  post(channel = 'C0WEDSYNC1'): { channel: string; ts: string } {
    const ts = `1700000000.${String((this.sequence += 1)).padStart(6, '0')}`;
    this.messages.set(channel, (this.messages.get(channel) ?? new Set()).add(ts));
    return { channel, ts };
  }

  rateLimited(retryAfterSeconds = 1): this {
    return this.replyNext({ status: 429, headers: { 'retry-after': String(retryAfterSeconds) }, body: { ok: false, error: 'ratelimited' } });
  }

  protected check(request: FakeRequest): Verdict<SlackApiCall> {
    const method = /^\/api\/([a-zA-Z.]+)$/.exec(request.path)?.[1];
    if (request.method !== 'POST' || !method) return refuse('unknown_method', [`${request.method} ${request.path}`], 404);
    const auth = request.headers.authorization;
    if (!auth) return refuse('not_authed', ['no Authorization header']);
    if (auth !== `Bearer ${this.botToken}`) return refuse('invalid_auth', ['bearer token is not the bot token']);
    const args = parseArgs(request);
    if (!args) return refuse('invalid_arguments', ['body is neither a form nor a JSON object']);
    if (method !== 'chat.update') return refuse('unknown_method', [`${method} is not faked`]);
    const { channel, ts, text, blocks } = args;
    if (typeof channel !== 'string' || typeof ts !== 'string') return refuse('invalid_arguments', ['channel and ts are required']);
    const known = this.messages.get(channel);
    if (!known) return refuse('channel_not_found', [`no channel ${channel}`]);
    if (!known.has(ts)) return refuse('message_not_found', [`no message ${ts} in ${channel}`]);
    const blockList = typeof blocks === 'string' ? (parseJson(blocks) as { value?: unknown }).value : blocks;
    if ((typeof text !== 'string' || text === '') && !Array.isArray(blockList)) return refuse('no_text', ['neither text nor blocks']);
    if (blockList !== undefined && (!Array.isArray(blockList) || blockList.length > 50)) return refuse('invalid_blocks', ['blocks must be an array of at most 50']);
    const call = { method, args: { ...args, ...(blockList !== undefined ? { blocks: blockList } : {}) } };
    return { ok: true, accepted: call, reply: { status: 200, body: { ok: true, channel, ts, text: typeof text === 'string' ? text : '' } } };
  }
}

function parseArgs(request: FakeRequest): Record<string, unknown> | null {
  const type = String(request.headers['content-type'] ?? '');
  if (type.startsWith('application/json')) {
    const parsed = parseJson(request.body);
    return 'value' in parsed && isRecord(parsed.value) ? parsed.value : null;
  }
  if (type.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(request.body));
  return null;
}

function refuse(error: string, problems: string[], status = 200): Verdict<never> {
  return { ok: false, problems, reply: { status, body: { ok: false, error } } };
}
