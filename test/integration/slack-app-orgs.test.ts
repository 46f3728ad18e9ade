import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Channel } from '../../src/channels/channel';
import type { SlackMessage } from '../../src/channels/messages';
import { connectionCommands } from '../../src/cli/connection-commands';
import { UsageError } from '../../src/cli/ledger-commands';
import { createSlackUpdater } from '../../src/ack/slack-updater';
import { createSlackAppSystem } from '../../src/channels/slack-app/slack-app-system';
import { createSlackWebClient } from '../../src/channels/slack-app/slack-web-client';
import { probeConnection } from '../../src/partners/probe';
import { slackAppSchema } from '../../src/config/slack-app.schema';
import type { ConnectionSummary } from '../../src/connections/connection';
import { createPgContextRepository } from '../../src/context/pg-context-repository';
import { DEFAULT_TEAM, SlackApiFake } from '../support/fakes/slack-api-fake';
import { insertOrganization, insertStaff, insertWedding } from '../support/fixtures';
import { memoryLogger } from '../support/memory-log';
import { sampleContent } from '../support/notification-content';
import { slackConnections } from '../support/slack-connection';
import { createTestSchema, type TestSchema } from '../support/test-db';

let db: TestSchema;
let slackApi: SlackApiFake;
const viaWebhook: SlackMessage[] = [];
const webhook: Channel<SlackMessage> = { kind: 'slack', send: async (m) => (viaWebhook.push(m), { status: 200 }) };
const log = memoryLogger();
const stopped: { connection: ConnectionSummary; reason: string }[] = [];
let workspaceB: { team: string; token: string };
const WRONG_TOKEN = 'xoxb-9999-0000-notinanyworkspace';

interface Org {
  readonly id: string;
  readonly wedding: string;
}
let orgA: Org;
let orgB: Org;
/** Has the app, its token refused by Slack. */
let orgWrong: Org;
/** Only pasted an incoming webhook. */
let orgHookOnly: Org;
/** Has the app without a channel per wedding. */
let orgNoChannels: Org;

async function organization(connect?: { token: string; weddingChannels: boolean }, slackIds: readonly (string | null)[] = []): Promise<Org> {
  const id = await insertOrganization(db.pool, { slackWebhookUrl: 'https://hooks.slack.com/services/T0/B0/secret' });
  const wedding = await insertWedding(db.pool, { organizationId: id, weddingDate: '2026-06-27' });
  for (const slackUserId of slackIds) await insertStaff(db.pool, { organizationId: id, role: 'planner', slackUserId });
  if (connect) await connections.add(id, connect.token, { weddingChannels: connect.weddingChannels });
  return { id, wedding };
}

let connections: ReturnType<typeof slackConnections>;
const system = (maxEntries = 100) =>
  createSlackAppSystem({
    pool: db.pool,
    jobPool: db.pool,
    queueSchema: 'unused_here',
    store: connections.store,
    contexts: createPgContextRepository({ pool: db.pool, cache: { maxEntries: 100, ttlMs: 60_000 } }),
    webhook,
    config: slackAppSchema.parse({ clientsMaxEntries: maxEntries }),
    apiUrl: slackApi.apiUrl,
    logger: log.logger,
    now: () => Date.parse('2026-06-01T12:00:00Z'),
    onStopped: (connection, reason) => void stopped.push({ connection, reason }),
  });
let slack: ReturnType<typeof system>;
/** What the acknowledgement route is given (src/acknowledgements.ts). */
const updaterOf = (built: ReturnType<typeof system>) => createSlackUpdater(built.apps);

const message = (org: Org): SlackMessage => ({
  channel: 'slack',
  webhookUrl: 'https://hooks.slack.com/services/T0/B0/secret',
  content: sampleContent({ organization: { id: org.id, name: 'Bloom' }, wedding: { id: org.wedding, coupleName: 'Ana & Ben', date: '2026-06-27', timeZone: 'Europe/Lisbon' } }),
});
let sequence = 0;
const send = (org: Org) => slack.channel.send(message(org), { signal: new AbortController().signal, attempt: 1, deliveryId: `dlv_slackorg_${(sequence += 1)}` });
const channelOf = async (org: Org) => (await db.pool.query<{ channel_id: string }>(`select channel_id from wedding_slack_channels where wedding_id = $1`, [org.wedding])).rows[0]?.channel_id;
const callsIn = (method: string, channel: string | undefined) => slackApi.calls(method).filter((c) => c.args.channel === channel);

beforeAll(async () => {
  [db, slackApi] = await Promise.all([createTestSchema('slackorg'), new SlackApiFake().start()]);
  workspaceB = slackApi.addWorkspace('T0BORG0002');
  connections = slackConnections(db.pool);
  orgA = await organization({ token: slackApi.botToken, weddingChannels: true }, ['U0PLANA001', 'U0OWNA0002', null]);
  orgB = await organization({ token: workspaceB.token, weddingChannels: true }, ['U0PLANB001']);
  orgWrong = await organization({ token: WRONG_TOKEN, weddingChannels: true });
  orgHookOnly = await organization();
  orgNoChannels = await organization({ token: workspaceB.token, weddingChannels: false });
  slack = system();
});
afterAll(async () => {
  await db.drop();
  await slackApi.close();
});

describe('Slack as an app, a bot token per organization', () => {
  it("two organizations' messages go out with their own tokens, into their own workspaces", async () => {
    const [a, b] = await Promise.all([send(orgA), send(orgB)]);
    const [channelA, channelB] = [await channelOf(orgA), await channelOf(orgB)];
    expect(channelA).toBeDefined();
    expect(channelB).toBeDefined();
    // The fake knows each call's workspace by its bearer token.
    expect(slackApi.channels.get(channelA!)!.team).toBe(DEFAULT_TEAM);
    expect(slackApi.channels.get(channelB!)!.team).toBe(workspaceB.team);
    expect(callsIn('chat.postMessage', channelA).map((c) => [c.team, c.args.ts])).toEqual([[DEFAULT_TEAM, a.providerMessageId]]);
    expect(callsIn('chat.postMessage', channelB).map((c) => [c.team, c.args.ts])).toEqual([[workspaceB.team, b.providerMessageId]]);
    expect(viaWebhook).toHaveLength(0);
  });

  it("a wrong organization's token fails: another workspace's channel does not exist for it", async () => {
    const other = createSlackWebClient({ token: workspaceB.token, apiUrl: slackApi.apiUrl, logger: log.logger, retries: 0 });
    await expect(other.chat.postMessage({ channel: (await channelOf(orgA))!, text: 'hi' })).rejects.toMatchObject({ data: { ok: false, error: 'channel_not_found' } });
    const nobody = createSlackWebClient({ token: WRONG_TOKEN, apiUrl: slackApi.apiUrl, logger: log.logger, retries: 0 });
    await expect(nobody.auth.test()).rejects.toMatchObject({ data: { ok: false, error: 'invalid_auth' } });
  });

  it("invites the organization's people with Slack ids when the channel is created, in one call, comma-separated", async () => {
    const [channelA, channelB] = [await channelOf(orgA), await channelOf(orgB)];
    const invitesA = callsIn('conversations.invite', channelA);
    expect(invitesA).toHaveLength(1);
    expect(String(invitesA[0]!.args.users).split(',').sort()).toEqual(['U0OWNA0002', 'U0PLANA001']);
    expect(invitesA[0]!.team).toBe(DEFAULT_TEAM);
    expect([...slackApi.channels.get(channelA!)!.members].sort()).toEqual(['U0OWNA0002', 'U0PLANA001']);
    // Only its own people, with its own token.
    expect(callsIn('conversations.invite', channelB).map((c) => [c.team, c.args.users])).toEqual([[workspaceB.team, 'U0PLANB001']]);
    // A later message reuses the channel: no second create, no second invitation.
    await send(orgA);
    expect(callsIn('conversations.invite', channelA)).toHaveLength(1);
    expect(slackApi.calls('conversations.create').filter((c) => c.team === DEFAULT_TEAM)).toHaveLength(1);
  });

  it('a token Slack refuses: the message goes through the webhook, the connection is stopped once, the token is nowhere', async () => {
    await send(orgWrong);
    expect(viaWebhook.map((m) => m.content.organization.id)).toEqual([orgWrong.id]);
    const [listed] = await connections.store.list(orgWrong.id);
    expect(listed).toMatchObject({ enabled: false, health: { state: 'revoked' } });
    expect(listed!.health.reason).toMatch(/^slack answered invalid_auth/);
    expect(stopped.map((s) => s.connection.id)).toEqual([listed!.id]);
    // Stopped: the next message goes straight to the webhook, Slack is not asked again.
    const requests = slackApi.requests.length;
    await send(orgWrong);
    expect(slackApi.requests.length).toBe(requests);
    expect(viaWebhook).toHaveLength(2);
    expect(log.text()).not.toContain('xoxb-');
    expect(JSON.stringify(stopped)).not.toContain('xoxb-');
  });

  it('an organization that only pasted a webhook, or has the app without wedding channels, keeps the webhook', async () => {
    const requests = slackApi.requests.length;
    await send(orgHookOnly);
    await send(orgNoChannels);
    expect(viaWebhook.slice(-2).map((m) => m.content.organization.id)).toEqual([orgHookOnly.id, orgNoChannels.id]);
    expect(slackApi.requests.length).toBe(requests);
    // A Slack connection is no partner that wedding changes are synced to.
    expect(await connections.store.enabledFor(orgNoChannels.id)).toEqual([]);
  });

  it("the acknowledged message is updated with its organization's token, and only that one can", async () => {
    const posted = callsIn('chat.postMessage', await channelOf(orgB))[0]!;
    const ref = { channel: String(posted.args.channel), ts: String(posted.args.ts) };
    const text = { text: 'Acknowledged by <@U0PLANB001>', blocks: [] };
    await updaterOf(slack).update(orgB.id, ref, text);
    expect(slackApi.calls('chat.update').map((c) => [c.team, c.args.ts])).toEqual([[workspaceB.team, ref.ts]]);
    await expect(updaterOf(slack).update(orgA.id, ref, text)).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
    // No organization, or one without the app: nothing to update, nothing asked.
    const requests = slackApi.requests.length;
    await updaterOf(slack).update(orgHookOnly.id, ref, text);
    await updaterOf(slack).update(null, ref, text);
    expect(slackApi.requests.length).toBe(requests);
  });

  it('holds at most clientsMaxEntries organizations in memory', async () => {
    const small = system(1);
    await updaterOf(small).update(orgA.id, { channel: 'C0NONE', ts: '1' }, { text: 'x', blocks: [] }).catch(() => undefined);
    await updaterOf(small).update(orgB.id, { channel: 'C0NONE', ts: '1' }, { text: 'x', blocks: [] }).catch(() => undefined);
    expect(small.clientsHeld()).toBe(1);
    expect(slack.clientsHeld()).toBeGreaterThan(1);
  });

  it('connections add --partner slack seals the bot token; list shows weddingChannels and never the token', async () => {
    const org = await insertOrganization(db.pool);
    const token = 'xoxb-5555-6666-clitokenvalue';
    const output: string[] = [];
    const io = (extra: Record<string, string> = {}) => ({ env: { DATABASE_URL: db.databaseUrl, CONNECTION_KEYS: connections.connectionKeys, ...extra }, out: (t: string) => void output.push(t), err: (t: string) => void output.push(t) });
    const cli = connectionCommands(async () => ({ ok: true, detail: 'not probed' }));
    const add = ['add', '--org', org, '--partner', 'slack', '--name', 'Slack', '--credentials-env', 'SLACK_CREDS', '--options', '{"weddingChannels":true}'];
    expect(await cli(add, io({ SLACK_CREDS: JSON.stringify({ botToken: token }) }))).toBe(0);
    expect(await cli(['list', '--org', org], io())).toBe(0);
    expect(output.at(-1)).toMatch(/slack\s+Slack\s+enabled\s+unknown\s+key=k1\s+weddingChannels=true/);
    const stored = await db.pool.query<{ dump: string }>(`select row_to_json(c)::text as dump from partner_connections c where organization_id = $1`, [org]);
    expect(stored.rows[0]!.dump).not.toContain(token);
    // A user token (xoxp-) is not the app's bot token: refused, its value not echoed.
    const refused = cli(add, io({ SLACK_CREDS: JSON.stringify({ botToken: 'xoxp-user-token-value-1' }) }));
    await expect(refused).rejects.toThrow(UsageError);
    await expect(refused).rejects.toThrow(/botToken: must be a Slack bot token/);
    await expect(refused).rejects.not.toThrow(/xoxp-user/);
    expect(output.join('')).not.toContain('xox');
  });

  it('connections test on a Slack connection asks auth.test with its token and names the workspace, never the token', async () => {
    const [good] = await connections.store.list(orgB.id);
    const ok = await probeConnection((await connections.store.open(good!.id))!, { SLACK_API_URL: slackApi.apiUrl }, null as never);
    expect(ok).toEqual({ ok: true, detail: `slack auth.test: workspace ${workspaceB.team}` });
    const [wrong] = await connections.store.list(orgWrong.id);
    const refused = await probeConnection((await connections.store.open(wrong!.id))!, { SLACK_API_URL: slackApi.apiUrl }, null as never);
    expect(refused).toEqual({ ok: false, detail: 'slack auth.test: invalid_auth' });
  });
});
