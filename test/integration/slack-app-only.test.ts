import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Channel } from '../../src/channels/channel';
import { PermanentDeliveryError } from '../../src/channels/errors';
import type { SlackMessage } from '../../src/channels/messages';
import { SLACK_ACK_ACTION } from '../../src/channels/slack/slack-blocks';
import { createSlackAppSystem } from '../../src/channels/slack-app/slack-app-system';
import { createSlackUpdater } from '../../src/ack/slack-updater';
import { connectionCommands } from '../../src/cli/connection-commands';
import { slackAppSchema } from '../../src/config/slack-app.schema';
import { createPgContextRepository } from '../../src/context/pg-context-repository';
import type { Delivery } from '../../src/decide/delivery';
import { planDeliveries } from '../../src/decide/plan';
import { createAddressBook } from '../../src/deliver/address-book';
import { toStored } from '../../src/deliver/stored-delivery';
import { changeOf } from '../support/context-factory';
import { DEFAULT_TEAM, SlackApiFake } from '../support/fakes/slack-api-fake';
import { insertOrganization, insertStaff, insertWedding } from '../support/fixtures';
import { memoryLogger } from '../support/memory-log';
import { planSettingsOf } from '../support/plan-settings';
import { slackConnections } from '../support/slack-connection';
import { createTestSchema, type TestSchema } from '../support/test-db';

// Planner, ledger form and address book as the worker runs them, then the app channel with the
// real @slack/web-api client against the loopback Slack (which checks each call's bearer token).
const NOW = Date.parse('2026-06-01T12:00:00Z');
const HOOK = 'https://hooks.slack.com/services/T0/B0/secret';
let db: TestSchema;
let slackApi: SlackApiFake;
let connections: ReturnType<typeof slackConnections>;
let contexts: ReturnType<typeof createPgContextRepository>;
let slack: ReturnType<typeof createSlackAppSystem>;
const viaWebhook: SlackMessage[] = [];
const webhook: Channel<SlackMessage> = { kind: 'slack', send: async (m) => (viaWebhook.push(m), { status: 200 }) };
const settings = { ...planSettingsOf(), slackApps: true };
/** The organization's ops channel in its workspace: what `defaultChannel` names. */
let opsChannel: string;

interface Org {
  readonly id: string;
  readonly wedding: string;
}
let appOnly: Org;
let hookOnly: Org;
/** The app with wedding channels only: nowhere for a message about no wedding. */
let appNoDefault: Org;

async function organization(slackWebhookUrl: string | null, app?: { weddingChannels: boolean; defaultChannel?: string }): Promise<Org> {
  const id = await insertOrganization(db.pool, { slackWebhookUrl });
  const wedding = await insertWedding(db.pool, { organizationId: id, weddingDate: '2026-06-27' });
  await insertStaff(db.pool, { organizationId: id, role: 'owner', slackUserId: 'U0OWNER001' });
  await insertStaff(db.pool, { organizationId: id, role: 'finance' });
  if (app) await connections.add(id, slackApi.botToken, app);
  return { id, wedding };
}

/** What the worker would plan for a change, through the context read from PostgreSQL. */
async function planned(org: Org, aboutWedding: boolean): Promise<Delivery[]> {
  const event = aboutWedding
    ? changeOf('wedding_alerts', 'INSERT', { id: `a-${org.id}`, organization_id: org.id, wedding_id: org.wedding, severity: 'emergency', message: 'Officiant stuck in traffic' })
    : changeOf('payments', 'UPDATE', { id: `p-${org.id}`, organization_id: org.id, status: 'failed', amount_cents: 1000 }, { id: `p-${org.id}`, status: 'pending' });
  const found = await contexts.resolve({ organizationId: org.id, weddingId: aboutWedding ? org.wedding : null });
  if (!found.ok) throw new Error(found.detail);
  return planDeliveries(event, found.context, settings, NOW).deliveries.filter((d) => d.channel === 'slack');
}

let sequence = 0;
/** The ledger keeps it without address; the address book reads it back; the channel sends it. */
async function send(delivery: Delivery) {
  const resolved = await createAddressBook({ contexts, configEndpoints: new Map() }).resolve(toStored(delivery));
  return slack.channel.send(resolved.message as SlackMessage, { signal: new AbortController().signal, attempt: 1, deliveryId: `dlv_apponly_${(sequence += 1)}` });
}
const weddingChannelOf = async (org: Org) => (await db.pool.query<{ channel_id: string }>(`select channel_id from wedding_slack_channels where wedding_id = $1`, [org.wedding])).rows[0]?.channel_id;
const postsIn = (channel: string | undefined) => slackApi.calls('chat.postMessage').filter((c) => c.args.channel === channel);

beforeAll(async () => {
  [db, slackApi] = await Promise.all([createTestSchema('slackapponly'), new SlackApiFake().start()]);
  connections = slackConnections(db.pool);
  contexts = createPgContextRepository({ pool: db.pool, cache: { maxEntries: 100, ttlMs: 60_000 } });
  opsChannel = slackApi.addChannel('bloom-ops').id;
  appOnly = await organization(null, { weddingChannels: true, defaultChannel: opsChannel });
  hookOnly = await organization(HOOK);
  appNoDefault = await organization(null, { weddingChannels: true });
  slack = createSlackAppSystem({
    pool: db.pool,
    jobPool: db.pool,
    queueSchema: 'unused_here',
    store: connections.store,
    contexts,
    webhook,
    config: slackAppSchema.parse({}),
    apiUrl: slackApi.apiUrl,
    // Critical messages carry the Acknowledge button, as with SLACK_SIGNING_SECRET set.
    ack: { link: (deliveryId, content) => (content.priority.level === 'critical' ? { token: `tok-${deliveryId}`, url: 'https://ack.example/a' } : null), slackInteractive: true },
    logger: memoryLogger().logger,
    now: () => NOW,
  });
});
afterAll(async () => {
  await contexts.close();
  await db.drop();
  await slackApi.close();
});

describe('an organization with the Slack app and no incoming webhook', () => {
  it('reads the app connection with the context: its options, never its token', async () => {
    const found = await contexts.resolve({ organizationId: appOnly.id, weddingId: null });
    expect(found.ok && found.context.organization.slackApp).toEqual({ weddingChannels: true, defaultChannel: opsChannel });
    const hookOnlyContext = await contexts.resolve({ organizationId: hookOnly.id, weddingId: null });
    expect(hookOnlyContext.ok && hookOnlyContext.context.organization).not.toHaveProperty('slackApp');
    expect(JSON.stringify(found)).not.toContain('xoxb-');
  });

  it("receives a wedding message in the wedding's channel, with the Acknowledge button, and the update uses its token", async () => {
    const [delivery, ...more] = await planned(appOnly, true);
    expect(more).toEqual([]);
    const receipt = await send(delivery!);
    const channel = await weddingChannelOf(appOnly);
    expect(channel).toBeDefined();
    const [post, ...others] = postsIn(channel);
    expect(others).toEqual([]);
    expect(post).toMatchObject({ team: DEFAULT_TEAM, args: { ts: receipt.providerMessageId } });
    expect(JSON.stringify(post!.args.blocks)).toContain(SLACK_ACK_ACTION);
    await createSlackUpdater(slack.apps).update(appOnly.id, { channel: channel!, ts: receipt.providerMessageId! }, { text: 'Acknowledged', blocks: [] });
    expect(slackApi.calls('chat.update').map((c) => [c.team, c.args.channel, c.args.ts])).toEqual([[DEFAULT_TEAM, channel, receipt.providerMessageId]]);
    expect(viaWebhook).toEqual([]);
  });

  it('receives a message about no wedding in its default channel', async () => {
    const [delivery, ...more] = await planned(appOnly, false);
    expect(more).toEqual([]);
    const receipt = await send(delivery!);
    expect(postsIn(opsChannel).map((c) => [c.team, c.args.ts])).toEqual([[DEFAULT_TEAM, receipt.providerMessageId]]);
    expect(viaWebhook).toEqual([]);
  });

  it('a digest goes to the default channel, rendered as a digest', async () => {
    const [delivery] = await planned(appOnly, true);
    const content = { ...(delivery!.message as SlackMessage).content, digest: { total: 2, heldBy: 'quiet_hours' as const, entries: [] } };
    const receipt = await send({ ...delivery!, message: { channel: 'slack', content } });
    const [post] = postsIn(opsChannel).filter((c) => c.args.ts === receipt.providerMessageId);
    expect(String(post!.args.text)).toMatch(/^2 updates while you were away/);
  });

  it('with wedding channels only, a message about no wedding is not planned, and one sent anyway fails permanently', async () => {
    expect(await planned(appNoDefault, false)).toEqual([]);
    expect((await planned(appNoDefault, true)).map((d) => d.channel)).toEqual(['slack']);
    const [wedding] = await planned(appNoDefault, true);
    const stray = { ...wedding!, message: { channel: 'slack' as const, content: { ...(wedding!.message as SlackMessage).content, wedding: null } } };
    await expect(send(stray)).rejects.toThrow(/no slack hook and no Slack app channel/);
    await expect(slack.channel.send(stray.message, { signal: new AbortController().signal, attempt: 1, deliveryId: 'dlv_stray' })).rejects.toThrow(PermanentDeliveryError);
  });
});

describe('an organization that only pasted a webhook', () => {
  it('is unchanged: both messages go through its webhook, Slack is not asked', async () => {
    const requests = slackApi.requests.length;
    const deliveries = [...(await planned(hookOnly, true)), ...(await planned(hookOnly, false))];
    expect(deliveries).toHaveLength(2);
    for (const d of deliveries) await send(d);
    expect(viaWebhook.map((m) => [m.webhookUrl, m.content.wedding?.id ?? null])).toEqual([[HOOK, hookOnly.wedding], [HOOK, null]]);
    expect(slackApi.requests.length).toBe(requests);
  });
});

describe('connections add --options defaultChannel', () => {
  it('takes a Slack channel id, shows it in the list, refuses anything else', async () => {
    const org = await insertOrganization(db.pool);
    const output: string[] = [];
    const io = { env: { DATABASE_URL: db.databaseUrl, CONNECTION_KEYS: connections.connectionKeys, SLACK_CREDS: JSON.stringify({ botToken: 'xoxb-7777-8888-clitoken' }) }, out: (t: string) => void output.push(t), err: (t: string) => void output.push(t) };
    const cli = connectionCommands(async () => ({ ok: true, detail: 'not probed' }));
    const add = (options: string) => cli(['add', '--org', org, '--partner', 'slack', '--name', 'Slack', '--credentials-env', 'SLACK_CREDS', '--options', options], io);
    const refused = add('{"defaultChannel":"#bloom-ops"}');
    await expect(refused).rejects.toThrow(/must be a Slack channel id/);
    expect(await add('{"defaultChannel":"C0123ABCD"}')).toBe(0);
    expect(await cli(['list', '--org', org], io)).toBe(0);
    expect(output.at(-1)).toMatch(/weddingChannels=false defaultChannel=C0123ABCD/);
  });
});
