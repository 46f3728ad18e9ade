import { FakeServer, isRecord, parseJson, type FakeRequest, type Verdict } from './fake-server';

export interface SlackApiCall {
  readonly method: string;
  readonly args: Record<string, unknown>;
  /** The workspace whose bot token made the call. */
  readonly team: string;
}

/**
 * The Slack Web API on loopback (partners.md §3.1), for `@slack/web-api` pointed at
 * `${url}/api/`: `Authorization: Bearer xoxb-…` (missing: `not_authed`, unknown:
 * `invalid_auth`, revoked: `token_revoked`), form-encoded or JSON arguments. Each bot token is
 * one workspace (`addWorkspace`): channels, names and messages belong to it, so another
 * organization's token sees none of them (`channel_not_found`). Like Slack, errors are HTTP
 * 200 `{ok:false,error}`, rate limits 429 with Retry-After. `chat.update` needs a message
 * posted with `post()` or chat.postMessage (else `channel_not_found` / `message_not_found`).
 * `conversations.unarchive` answers as Slack documents for bot tokens: refused (`not_in_channel`:
 * archiving removed the bot) unless the test lets the workspace's bot do it (`letBotUnarchive`);
 * `not_archived` and `channel_not_found` as Slack names them.
 */
export interface FakeSlackChannel {
  readonly id: string;
  readonly name: string;
  readonly team: string;
  archived: boolean;
  readonly members: Set<string>;
}

const CHANNEL_NAME = /^[a-z0-9_-]{1,80}$/;
const USER_ID = /^[UW][A-Z0-9]{2,}$/;

export const DEFAULT_TEAM = 'T0DEFAULT1';

export class SlackApiFake extends FakeServer<SlackApiCall> {
  /** Message timestamps by channel id, with the workspace of the channel. */
  private readonly messages = new Map<string, { team: string; ts: Set<string> }>();
  /** Channels by id, as conversations.create made them (or `addChannel` seeded them). */
  readonly channels = new Map<string, FakeSlackChannel>();
  /** Bot tokens and their workspace; a revoked token answers `token_revoked`. */
  private readonly tokens = new Map<string, { team: string; revoked: boolean }>();
  /** Workspaces whose bot may unarchive (Slack's docs: bot tokens cannot). */
  private readonly unarchivingTeams = new Set<string>();
  private sequence = 0;

  constructor(readonly botToken = 'xoxb-1111-2222-fakebottoken') {
    super();
    this.tokens.set(botToken, { team: DEFAULT_TEAM, revoked: false });
  }

  /** Another organization's install: its own bot token, its own workspace. */
  addWorkspace(team: string, token = `xoxb-${team.toLowerCase()}-3333-fakebottoken`): { team: string; token: string } {
    this.tokens.set(token, { team, revoked: false });
    return { team, token };
  }

  /** The app was uninstalled from the workspace: its token answers `token_revoked`. */
  revoke(token: string): void {
    const entry = this.tokens.get(token);
    if (entry) entry.revoked = true;
  }

  /** The workspace's bot may unarchive channels, as a user token could. */
  letBotUnarchive(team = DEFAULT_TEAM): this {
    this.unarchivingTeams.add(team);
    return this;
  }

  /** The SDK's slackApiUrl. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /** A message the app posted earlier: its channel and ts. */
  post(channel = 'C0WEDSYNC1', team = DEFAULT_TEAM): { channel: string; ts: string } {
    const ts = `1700000000.${String((this.sequence += 1)).padStart(6, '0')}`;
    const known = this.messages.get(channel) ?? { team, ts: new Set<string>() };
    known.ts.add(ts);
    this.messages.set(channel, known);
    return { channel, ts };
  }

  /** A channel that exists before the test (e.g. one left by a crash): `name_taken` on create. */
  addChannel(name: string, archived = false, team = DEFAULT_TEAM): FakeSlackChannel {
    const channel = { id: `C${String(this.channels.size + 1).padStart(9, '0')}`, name, team, archived, members: new Set<string>() };
    this.channels.set(channel.id, channel);
    this.messages.set(channel.id, { team, ts: new Set() });
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
    const bearer = /^Bearer (xoxb-[A-Za-z0-9-]+)$/.exec(auth)?.[1];
    const install = bearer ? this.tokens.get(bearer) : undefined;
    if (!install) return refuse('invalid_auth', ['bearer token is no bot token of any workspace']);
    if (install.revoked) return refuse('token_revoked', [`the token of ${install.team} was revoked`]);
    const args = parseArgs(request);
    if (!args) return refuse('invalid_arguments', ['body is neither a form nor a JSON object']);
    const { team } = install;
    switch (method) {
      case 'auth.test':
        return { ok: true, accepted: { method, args, team }, reply: { status: 200, body: { ok: true, team_id: team, bot_id: 'B0WEDSYNC1', user_id: 'U0WEDSYNC1' } } };
      case 'chat.update':
        return this.update(team, args);
      case 'chat.postMessage':
        return this.postMessage(team, args);
      case 'conversations.create':
        return this.create(team, args);
      case 'conversations.list':
        return this.list(team, args);
      case 'conversations.invite':
        return this.invite(team, args);
      case 'conversations.archive':
        return this.archive(team, args);
      case 'conversations.unarchive':
        return this.unarchive(team, args);
      default:
        return refuse('unknown_method', [`${method} is not faked`]);
    }
  }

  protected override remember(call: SlackApiCall): void {
    const channel = this.channelOf(call.team, call.args.channel);
    if (call.method === 'conversations.archive' && channel) channel.archived = true;
    if (call.method === 'conversations.unarchive' && channel) channel.archived = false;
    if (call.method === 'conversations.invite' && channel) (call.args.invited as string[]).forEach((u) => channel.members.add(u));
  }

  /** The channel if it is in this workspace: another workspace's ids do not exist here. */
  private channelOf(team: string, id: unknown): FakeSlackChannel | undefined {
    const channel = typeof id === 'string' ? this.channels.get(id) : undefined;
    return channel?.team === team ? channel : undefined;
  }

  private create(team: string, args: Record<string, unknown>): Verdict<SlackApiCall> {
    const name = args.name;
    if (typeof name !== 'string' || name === '') return refuse('invalid_name_required', ['name is required']);
    if (!CHANNEL_NAME.test(name)) return refuse(name.length > 80 ? 'invalid_name_maxlength' : 'invalid_name_specials', [`name ${name} is not lower-case letters, digits, - and _, at most 80`]);
    // Slack keeps names unique across the workspace, archived channels included.
    if ([...this.channels.values()].some((c) => c.team === team && c.name === name)) return refuse('name_taken', [`${name} exists`]);
    const channel = this.addChannel(name, false, team);
    const call = { method: 'conversations.create', args, team };
    return { ok: true, accepted: call, reply: { status: 200, body: { ok: true, channel: conversation(channel) } } };
  }

  private list(team: string, args: Record<string, unknown>): Verdict<SlackApiCall> {
    const excludeArchived = args.exclude_archived === true || args.exclude_archived === 'true';
    const limit = Math.min(1000, Number(args.limit ?? 100) || 100);
    const all = [...this.channels.values()].filter((c) => c.team === team && (!excludeArchived || !c.archived));
    const start = typeof args.cursor === 'string' && args.cursor ? Number(Buffer.from(args.cursor, 'base64').toString()) : 0;
    const page = all.slice(start, start + limit);
    const next = start + limit < all.length ? Buffer.from(String(start + limit)).toString('base64') : '';
    const call = { method: 'conversations.list', args, team };
    return { ok: true, accepted: call, reply: { status: 200, body: { ok: true, channels: page.map(conversation), response_metadata: { next_cursor: next } } } };
  }

  /**
   * Slack's semantics: without `force` one bad or already-present id fails the whole call; with
   * `force` the others are invited and the bad ones listed in `errors` beside `ok: true`.
   */
  private invite(team: string, args: Record<string, unknown>): Verdict<SlackApiCall> {
    const channel = this.channelOf(team, args.channel);
    if (!channel) return refuse('channel_not_found', [`no channel ${String(args.channel)} in ${team}`]);
    if (channel.archived) return refuse('is_archived', [`${channel.id} is archived`]);
    const users = typeof args.users === 'string' ? args.users.split(',') : [];
    if (users.length === 0 || users.length > 1000) return refuse('no_user', ['users must list 1 to 1000 user ids, comma-separated']);
    const force = args.force === true || args.force === 'true';
    const bad = users.filter((u) => !USER_ID.test(u));
    if (bad.length > 0 && !force) return refuse('user_not_found', [`not user ids: ${bad.join(',')}`]);
    const fresh = users.filter((u) => USER_ID.test(u) && !channel.members.has(u));
    if (fresh.length === 0) return refuse('already_in_channel', ['every user is already a member']);
    if (fresh.length < users.length - bad.length && !force) return refuse('already_in_channel', ['some users are already members']);
    // Members are added in remember(), once Slack's answer is really the success.
    const call = { method: 'conversations.invite', args: { ...args, invited: fresh }, team };
    const errors = bad.map((user) => ({ user, ok: false, error: 'user_not_found' }));
    return { ok: true, accepted: call, reply: { status: 200, body: { ok: true, channel: conversation(channel), ...(errors.length ? { errors } : {}) } } };
  }

  private archive(team: string, args: Record<string, unknown>): Verdict<SlackApiCall> {
    const channel = this.channelOf(team, args.channel);
    if (!channel) return refuse('channel_not_found', [`no channel ${String(args.channel)}`]);
    if (channel.archived) return refuse('already_archived', [`${channel.id} is archived`]);
    // Archived in remember(): a scripted error reply in its place must leave the channel as it was.
    return { ok: true, accepted: { method: 'conversations.archive', args, team }, reply: { status: 200, body: { ok: true } } };
  }

  private unarchive(team: string, args: Record<string, unknown>): Verdict<SlackApiCall> {
    const channel = this.channelOf(team, args.channel);
    if (!channel) return refuse('channel_not_found', [`no channel ${String(args.channel)}`]);
    if (!channel.archived) return refuse('not_archived', [`${channel.id} is not archived`]);
    if (!this.unarchivingTeams.has(team)) return refuse('not_in_channel', [`a bot token cannot unarchive ${channel.id}`]);
    // Unarchived in remember(), once the answer really is the success.
    return { ok: true, accepted: { method: 'conversations.unarchive', args, team }, reply: { status: 200, body: { ok: true } } };
  }

  private postMessage(team: string, args: Record<string, unknown>): Verdict<SlackApiCall> {
    const channel = this.channelOf(team, args.channel);
    if (!channel) return refuse('channel_not_found', [`no channel ${String(args.channel)}`]);
    if (channel.archived) return refuse('is_archived', [`${channel.id} is archived`]);
    const blockList = typeof args.blocks === 'string' ? (parseJson(args.blocks) as { value?: unknown }).value : args.blocks;
    if ((typeof args.text !== 'string' || args.text === '') && !Array.isArray(blockList)) return refuse('no_text', ['neither text nor blocks']);
    if (blockList !== undefined && (!Array.isArray(blockList) || blockList.length > 50)) return refuse('invalid_blocks', ['blocks must be an array of at most 50']);
    const { ts } = this.post(channel.id, team);
    const call = { method: 'chat.postMessage', args: { ...args, ts, ...(blockList !== undefined ? { blocks: blockList } : {}) }, team };
    return { ok: true, accepted: call, reply: { status: 200, body: { ok: true, channel: channel.id, ts, message: { type: 'message', text: args.text ?? '', ts } } } };
  }

  private update(team: string, args: Record<string, unknown>): Verdict<SlackApiCall> {
    const { channel, ts, text, blocks } = args;
    if (typeof channel !== 'string' || typeof ts !== 'string') return refuse('invalid_arguments', ['channel and ts are required']);
    const known = this.messages.get(channel);
    if (!known || known.team !== team) return refuse('channel_not_found', [`no channel ${channel} in ${team}`]);
    if (!known.ts.has(ts)) return refuse('message_not_found', [`no message ${ts} in ${channel}`]);
    const blockList = typeof blocks === 'string' ? (parseJson(blocks) as { value?: unknown }).value : blocks;
    if ((typeof text !== 'string' || text === '') && !Array.isArray(blockList)) return refuse('no_text', ['neither text nor blocks']);
    if (blockList !== undefined && (!Array.isArray(blockList) || blockList.length > 50)) return refuse('invalid_blocks', ['blocks must be an array of at most 50']);
    const call = { method: 'chat.update', args: { ...args, ...(blockList !== undefined ? { blocks: blockList } : {}) }, team };
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
