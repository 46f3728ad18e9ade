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
export interface FakeSlackChannel {
  readonly id: string;
  readonly name: string;
  archived: boolean;
  readonly members: Set<string>;
}

const CHANNEL_NAME = /^[a-z0-9_-]{1,80}$/;
const USER_ID = /^[UW][A-Z0-9]{2,}$/;

export class SlackApiFake extends FakeServer<SlackApiCall> {
  private readonly messages = new Map<string, Set<string>>();
  /** Channels by id, as conversations.create made them (or `addChannel` seeded them). */
  readonly channels = new Map<string, FakeSlackChannel>();
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

  /** A channel that exists before the test (e.g. one left by a crash): `name_taken` on create. */
  addChannel(name: string, archived = false): FakeSlackChannel {
    const channel = { id: `C${String(this.channels.size + 1).padStart(9, '0')}`, name, archived, members: new Set<string>() };
    this.channels.set(channel.id, channel);
    this.messages.set(channel.id, new Set());
    return channel;
  }

  /** Calls to one method that Slack accepted. */
  calls(method: string): SlackApiCall[] {
    return this.accepted.filter((c) => c.method === method);
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
    switch (method) {
      case 'chat.update':
        return this.update(method, args);
      case 'chat.postMessage':
        return this.postMessage(args);
      case 'conversations.create':
        return this.create(args);
      case 'conversations.list':
        return this.list(args);
      case 'conversations.invite':
        return this.invite(args);
      case 'conversations.archive':
        return this.archive(args);
      default:
        return refuse('unknown_method', [`${method} is not faked`]);
    }
  }

  private create(args: Record<string, unknown>): Verdict<SlackApiCall> {
    const name = args.name;
    if (typeof name !== 'string' || name === '') return refuse('invalid_name_required', ['name is required']);
    if (!CHANNEL_NAME.test(name)) return refuse(name.length > 80 ? 'invalid_name_maxlength' : 'invalid_name_specials', [`name ${name} is not lower-case letters, digits, - and _, at most 80`]);
    // Slack keeps names unique across the workspace, archived channels included.
    if ([...this.channels.values()].some((c) => c.name === name)) return refuse('name_taken', [`${name} exists`]);
    const channel = this.addChannel(name);
    const call = { method: 'conversations.create', args };
    return { ok: true, accepted: call, reply: { status: 200, body: { ok: true, channel: conversation(channel) } } };
  }

  private list(args: Record<string, unknown>): Verdict<SlackApiCall> {
    const excludeArchived = args.exclude_archived === true || args.exclude_archived === 'true';
    const limit = Math.min(1000, Number(args.limit ?? 100) || 100);
    const all = [...this.channels.values()].filter((c) => !excludeArchived || !c.archived);
    const start = typeof args.cursor === 'string' && args.cursor ? Number(Buffer.from(args.cursor, 'base64').toString()) : 0;
    const page = all.slice(start, start + limit);
    const next = start + limit < all.length ? Buffer.from(String(start + limit)).toString('base64') : '';
    const call = { method: 'conversations.list', args };
    return { ok: true, accepted: call, reply: { status: 200, body: { ok: true, channels: page.map(conversation), response_metadata: { next_cursor: next } } } };
  }

  private invite(args: Record<string, unknown>): Verdict<SlackApiCall> {
    const channel = typeof args.channel === 'string' ? this.channels.get(args.channel) : undefined;
    if (!channel) return refuse('channel_not_found', [`no channel ${String(args.channel)}`]);
    if (channel.archived) return refuse('is_archived', [`${channel.id} is archived`]);
    const users = typeof args.users === 'string' ? args.users.split(',') : [];
    if (users.length === 0 || users.length > 1000 || !users.every((u) => USER_ID.test(u))) return refuse('user_not_found', ['users must be a comma-separated list of user ids']);
    if (users.every((u) => channel.members.has(u))) return refuse('already_in_channel', ['every user is already a member']);
    users.forEach((u) => channel.members.add(u));
    const call = { method: 'conversations.invite', args };
    return { ok: true, accepted: call, reply: { status: 200, body: { ok: true, channel: conversation(channel) } } };
  }

  private archive(args: Record<string, unknown>): Verdict<SlackApiCall> {
    const channel = typeof args.channel === 'string' ? this.channels.get(args.channel) : undefined;
    if (!channel) return refuse('channel_not_found', [`no channel ${String(args.channel)}`]);
    if (channel.archived) return refuse('already_archived', [`${channel.id} is archived`]);
    channel.archived = true;
    return { ok: true, accepted: { method: 'conversations.archive', args }, reply: { status: 200, body: { ok: true } } };
  }

  private postMessage(args: Record<string, unknown>): Verdict<SlackApiCall> {
    const channel = typeof args.channel === 'string' ? this.channels.get(args.channel) : undefined;
    if (!channel) return refuse('channel_not_found', [`no channel ${String(args.channel)}`]);
    if (channel.archived) return refuse('is_archived', [`${channel.id} is archived`]);
    const blockList = typeof args.blocks === 'string' ? (parseJson(args.blocks) as { value?: unknown }).value : args.blocks;
    if ((typeof args.text !== 'string' || args.text === '') && !Array.isArray(blockList)) return refuse('no_text', ['neither text nor blocks']);
    if (blockList !== undefined && (!Array.isArray(blockList) || blockList.length > 50)) return refuse('invalid_blocks', ['blocks must be an array of at most 50']);
    const { ts } = this.post(channel.id);
    const call = { method: 'chat.postMessage', args: { ...args, ts, ...(blockList !== undefined ? { blocks: blockList } : {}) } };
    return { ok: true, accepted: call, reply: { status: 200, body: { ok: true, channel: channel.id, ts, message: { type: 'message', text: args.text ?? '', ts } } } };
  }

  private update(method: string, args: Record<string, unknown>): Verdict<SlackApiCall> {
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

function conversation(c: FakeSlackChannel): Record<string, unknown> {
  return { id: c.id, name: c.name, is_channel: true, is_private: false, is_archived: c.archived, created: 1700000000, num_members: c.members.size };
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
