import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { Channel } from '../../src/channels/channel';
import type { SlackMessage } from '../../src/channels/messages';
import { createSlackAppChannel } from '../../src/channels/slack-app/slack-app-channel';
import { createSlackWebClient } from '../../src/channels/slack-app/slack-web-client';
import { weddingChannelName } from '../../src/channels/slack-app/wedding-channel-name';
import { createWeddingChannels, type WeddingRef } from '../../src/channels/slack-app/wedding-channels';
import { SlackApiFake } from '../support/fakes/slack-api-fake';
import { insertOrganization } from '../support/fixtures';
import { memoryLogger } from '../support/memory-log';
import { sampleContent } from '../support/notification-content';
import { createTestSchema, type TestSchema } from '../support/test-db';
import { waitFor } from '../support/wait-for';

let db: TestSchema;
let slackApi: SlackApiFake;
/** A second replica: its own pool (own connections) and its own Slack client and module. */
let otherPool: Pool;
const INVITEES = ['U0PLANNER1', 'U0OWNER002'];

beforeAll(async () => {
  [db, slackApi] = await Promise.all([createTestSchema('slackwed'), new SlackApiFake().start()]);
  otherPool = new Pool({ connectionString: db.databaseUrl, max: 4 });
});
afterAll(async () => {
  await otherPool.end();
  await db.drop();
  await slackApi.close();
});

const client = () => createSlackWebClient({ token: slackApi.botToken, apiUrl: slackApi.apiUrl, logger: memoryLogger().logger });
/** One replica's module, with the organization's install: the fake's default workspace. */
const replica = (pool: Pool) => {
  const weddings = createWeddingChannels({ pool });
  const app = { client: client(), invitees: async () => INVITEES };
  return { ensure: (w: WeddingRef) => weddings.ensure(w, app), weddings, app };
};
const wedding = (date = '2026-06-27'): WeddingRef => ({ id: randomUUID(), organizationId: randomUUID(), date });
const createRequests = () => slackApi.requests.filter((r) => r.path === '/api/conversations.create').length;
const rows = (id: string) => db.pool.query(`select channel_id, channel_name from wedding_slack_channels where wedding_id = $1`, [id]);

describe('a Slack channel per wedding', () => {
  it('names it wedding-<date>-<short id>, lower-case, within 80 characters, no couple name', () => {
    expect(weddingChannelName({ id: '7D0C7D5E-0000-4000-8000-000000000001', date: '2026-06-27' })).toBe('wedding-2026-06-27-7d0c7d5e');
    const long = weddingChannelName({ id: '7d0c7d5e-0000', date: '2026-06-27' }, `Bloom & Co ${'x'.repeat(100)}`);
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long).toMatch(/^[a-z0-9_-]+-2026-06-27-7d0c7d5e$/);
  });

  it('two replicas deciding at the same moment create it once; both get the one channel', async () => {
    const w = wedding();
    const before = createRequests();
    // Slack holds its answer to the first create until the second replica is waiting on the
    // wedding's lock: without the lock, it would call conversations.create too.
    let release!: () => void;
    slackApi.replyNext({ after: new Promise<void>((resolve) => (release = resolve)) });
    const both = Promise.all([replica(db.pool).ensure(w), replica(otherPool).ensure(w)]);
    await waitFor(async () => (await db.pool.query(`select 1 from pg_locks where locktype = 'advisory' and not granted`)).rowCount! >= 1, { what: 'the second replica waiting on the lock' });
    release();
    const [a, b] = await both;
    expect(a).toBeTruthy();
    expect(b).toBe(a);
    expect(createRequests() - before).toBe(1);
    expect((await rows(w.id)).rows).toEqual([{ channel_id: a, channel_name: weddingChannelName(w) }]);
    expect([...slackApi.channels.get(a!)!.members].sort()).toEqual([...INVITEES].sort());
    // Later callers read the row: no Slack call at all.
    const requests = slackApi.requests.length;
    expect(await replica(otherPool).ensure(w)).toBe(a);
    expect(slackApi.requests.length).toBe(requests);
  });

  it('ten weddings, two replicas each, all at once: ten channels, ten rows', async () => {
    const weddings = Array.from({ length: 10 }, () => wedding('2026-07-04'));
    const before = createRequests();
    const [r1, r2] = [replica(db.pool), replica(otherPool)];
    const ids = await Promise.all(weddings.flatMap((w) => [r1.ensure(w), r2.ensure(w)]));
    for (let i = 0; i < ids.length; i += 2) expect(ids[i]).toBe(ids[i + 1]);
    expect(new Set(ids).size).toBe(10);
    expect(createRequests() - before).toBe(10);
  });

  it('name_taken (a channel left by a crash before its row was written) is reused, and already_in_channel is fine', async () => {
    const w = wedding();
    const left = slackApi.addChannel(weddingChannelName(w));
    INVITEES.forEach((u) => left.members.add(u));
    expect(await replica(db.pool).ensure(w)).toBe(left.id);
    const rejectedNow = (path: string) => slackApi.rejected.filter((r) => r.request.path === path);
    // Slack said name_taken, then already_in_channel: both were answers, not failures.
    expect(rejectedNow('/api/conversations.create').at(-1)?.problems).toEqual([`${left.name} exists`]);
    expect(rejectedNow('/api/conversations.invite').at(-1)?.problems).toEqual(['every user is already a member']);
    expect((await rows(w.id)).rows[0]?.channel_id).toBe(left.id);
  });

  it('messages about the wedding go to its channel through chat.postMessage; others through the webhook', async () => {
    const w = wedding();
    const viaWebhook: SlackMessage[] = [];
    const webhook: Channel<SlackMessage> = { kind: 'slack', send: async (m) => (viaWebhook.push(m), { status: 200 }) };
    const r = replica(db.pool);
    const apps = { forOrganization: async () => ({ connection: {} as never, client: r.app.client, weddingChannels: true }), refused: async () => undefined };
    const channel = createSlackAppChannel({ webhook, weddings: r.weddings, apps, invitees: async () => INVITEES });
    const content = sampleContent({ wedding: { id: w.id, coupleName: 'Ana & Ben', date: w.date, timeZone: 'Europe/Lisbon' }, organization: { id: w.organizationId, name: 'Bloom' } });
    const ctx = (deliveryId: string) => ({ signal: new AbortController().signal, attempt: 1, deliveryId });
    const message = (c = content): SlackMessage => ({ channel: 'slack', webhookUrl: 'https://hooks.slack.com/services/T/B/x', content: c });
    const first = await channel.send(message(), ctx('dlv_1'));
    const second = await channel.send(message(), ctx('dlv_2'));
    const stored = (await rows(w.id)).rows[0]!.channel_id as string;
    const posts = slackApi.calls('chat.postMessage').filter((c) => c.args.channel === stored);
    expect(posts.map((p) => p.args.ts)).toEqual([first.providerMessageId, second.providerMessageId]);
    expect(Array.isArray(posts[1]!.args.blocks)).toBe(true);
    await channel.send(message(sampleContent({ wedding: null })), ctx('dlv_3'));
    expect(viaWebhook).toHaveLength(1);
  });

  it('archives channels some days after the wedding, once; a late message then goes to the webhook', async () => {
    // The sweep reads only organizations with an enabled Slack connection (a token to archive with).
    const organizationId = await insertOrganization(db.pool);
    await db.pool.query(`insert into partner_connections (id, organization_id, partner, name, key_id, credentials) values ($1, $2, 'slack', 'Slack', 'k1', '\\x00')`, [randomUUID(), organizationId]);
    const w = { ...wedding('2026-01-10'), organizationId };
    const r = replica(db.pool);
    const id = (await r.ensure(w))!;
    const nowMs = Date.parse('2026-01-20T12:00:00Z'); // the injected clock: ten days after
    const errors: unknown[] = [];
    const sweep = (afterDays: number) => r.weddings.archiveFinished({ nowMs, afterDays, clientFor: async () => r.app.client, onError: (_row, e) => void errors.push(e) });
    expect(await sweep(30)).toEqual({ archived: 0, failed: 0 });
    expect((await sweep(7)).archived).toBe(1);
    expect(slackApi.channels.get(id)!.archived).toBe(true);
    expect(await sweep(7)).toEqual({ archived: 0, failed: 0 });
    expect(errors).toEqual([]);
    expect(await r.ensure(w)).toBeNull();
  });

  it('one channel Slack refuses to archive is reported and skipped; the others are archived in the same run', async () => {
    const organizationId = await insertOrganization(db.pool);
    await db.pool.query(`insert into partner_connections (id, organization_id, partner, name, key_id, credentials) values ($1, $2, 'slack', 'Slack', 'k1', '\\x00')`, [randomUUID(), organizationId]);
    const r = replica(db.pool);
    const [first, second] = [{ ...wedding('2025-03-01'), organizationId }, { ...wedding('2025-03-02'), organizationId }];
    const [firstId, secondId] = [(await r.ensure(first))!, (await r.ensure(second))!];
    slackApi.replyNext({ status: 200, body: { ok: false, error: 'internal_error' } });
    const errors: { weddingId: string; code: unknown }[] = [];
    const result = await r.weddings.archiveFinished({
      nowMs: Date.parse('2025-04-01T00:00:00Z'),
      afterDays: 7,
      clientFor: async () => createSlackWebClient({ token: slackApi.botToken, apiUrl: slackApi.apiUrl, logger: memoryLogger().logger, retries: 0 }),
      onError: (row, e) => void errors.push({ weddingId: row.weddingId, code: (e as { data?: { error?: unknown } }).data?.error }),
    });
    expect(result).toEqual({ archived: 1, failed: 1 });
    expect(errors).toEqual([{ weddingId: first.id, code: 'internal_error' }]);
    expect([slackApi.channels.get(firstId)!.archived, slackApi.channels.get(secondId)!.archived]).toEqual([false, true]);
    expect(await r.ensure(first)).toBe(firstId);
  });

  it('reads the invitees before taking the wedding lock: with a pool of one connection they are still invited', async () => {
    // The invitees come through the same pool (the context read); inside the lock's transaction
    // that read would wait for the one connection the transaction holds.
    const onePool = new Pool({ connectionString: db.databaseUrl, max: 1, connectionTimeoutMillis: 2_000 });
    try {
      const failures: string[] = [];
      const weddings = createWeddingChannels({ pool: onePool, onInviteFailed: (_w, code) => void failures.push(code) });
      const invitees = async () => (await onePool.query<{ id: string }>(`select 'U0ONEPOOL1' as id`)).rows.map((r) => r.id);
      const id = (await weddings.ensure(wedding(), { client: client(), invitees }))!;
      expect(failures).toEqual([]);
      expect([...slackApi.channels.get(id)!.members]).toEqual(['U0ONEPOOL1']);
    } finally {
      await onePool.end();
    }
  });
});
