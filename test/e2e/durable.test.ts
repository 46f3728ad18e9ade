import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { DateTime } from 'luxon';
import { insertOrganization, insertWebhookEndpoint, insertWedding } from '../support/fixtures';
import { deliveryOf } from '../support/delivery-factory';
import { startStack, type Stack } from '../support/start-stack';
import { lockTable } from '../support/table-lock';
import { TEST_SECRET } from '../support/test-config';
import { waitFor } from '../support/wait-for';
import { WebhookReceiver } from '../support/webhook-receiver';

let s: Stack;
const archive = (rule: string, table: string) => ({ name: rule, match: { table, events: ['INSERT'] }, audiences: [{ type: 'endpoint', name: 'ops-archive' }] });

beforeAll(async () => {
  s = await startStack({
    worker: {
      rules: [
        archive('archive-weddings', 'weddings'),
        { name: 'forms-to-partners', match: { table: 'form_responses', events: ['INSERT'] }, kind: 'form.response_received', audiences: [{ type: 'webhook_endpoints' }] },
        { name: 'failed-payments-to-partners', match: { table: 'payments', events: ['INSERT'], where: { status: { eq: 'failed' } } }, kind: 'payment.failed', audiences: [{ type: 'webhook_endpoints' }] },
      ],
      queue: { concurrency: 8, pollIntervalMs: 50 },
    },
  });
  // The archive endpoint of the stack config, without its default 100-a-minute limit.
  s.receiver.setDefault({ status: 200 });
});
// Receivers a test starts are closed here too, so a failing test leaves no server holding jest open.
const receivers: WebhookReceiver[] = [];
const receiver = async (reply: ConstructorParameters<typeof WebhookReceiver>[0], port?: number) => {
  const started = await new WebhookReceiver(reply).start(port);
  receivers.push(started);
  return started;
};
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close().catch(() => undefined)));
  await s.close();
});

// Tests share the stack but not their counts: each reads only what happened since it began.
let linesBefore = 0;
beforeEach(() => {
  linesBefore = s.lines.length;
});
// A replica a test adds stops with the test, even when the test fails.
const replicas: Array<{ stop(): Promise<unknown> }> = [];
afterEach(async () => {
  await Promise.all(replicas.splice(0).map((r) => r.stop()));
});
const testLines = () => s.lines.slice(linesBefore);

const idsAt = (receiver: WebhookReceiver, path: string) => receiver.requests.filter((r) => r.path === path).map((r) => String(r.headers['webhook-id']));

describe('durable delivery', () => {
  it('persists every delivery before its first attempt, with its job', async () => {
    // While the ledger cannot be written, nothing may be sent.
    const lock = await lockTable(s.db.schema, 'deliveries');
    try {
      s.receiver.respondWith({ hang: true });
      s.realtime.emitChange({ table: 'weddings', type: 'INSERT', record: { id: 'w-persist' } });
      await lock.blockedPid();
      expect(s.receiver.requests.filter((r) => r.body.includes('w-persist'))).toEqual([]);
    } finally {
      await lock.release();
    }
    // The first attempt is held open at the receiver: its ledger row and job exist already.
    const attempt = await waitFor(() => s.receiver.requests.find((r) => r.body.includes('w-persist')), { what: 'the first attempt' });
    const { rows } = await s.db.pool.query(
      `select d.status, count(j.id)::int as jobs from deliveries d left join "${s.db.schema}_gw"._private_jobs j on j.key = d.id where d.id = $1 group by d.status`,
      [attempt.headers['webhook-id']],
    );
    expect(rows).toEqual([{ status: 'pending', jobs: 1 }]);
  });

  it('sends each delivery once with two replicas subscribed to the same changes', async () => {
    const replica = await s.addReplica();
    replicas.push(replica.app);
    await s.realtime.waitFor(() => s.realtime.liveTopics().length >= 1 && replica.app.readiness().status !== 'not_ready');
    const before = idsAt(s.receiver, '/archive').length;
    const delivered = async () => (await s.db.pool.query(`select count(*)::int as n from deliveries where status = 'delivered' and destination = 'webhook:config:ops-archive'`)).rows[0].n as number;
    const deliveredBefore = await delivered();
    for (let i = 0; i < 300; i += 1) s.realtime.emitChange({ table: 'weddings', type: 'INSERT', record: { id: `w-rep-${i}` } });
    await waitFor(async () => (await delivered()) - deliveredBefore >= 300, { timeoutMs: 30_000, what: '300 deliveries' });
    const ids = idsAt(s.receiver, '/archive').slice(before);
    const repeats = ids.length - new Set(ids).size;
    expect(new Set(ids).size).toBeGreaterThanOrEqual(300);
    expect(repeats).toBe(0);
    // Both replicas really worked: each decided every change, each sent some.
    expect(replica.lines.filter((l) => l.msg === 'change decided').length).toBeGreaterThanOrEqual(300);
    expect(replica.lines.filter((l) => l.msg === 'delivered').length).toBeGreaterThan(0);
  }, 60_000); // its own wait is 30 s: the test's limit must outlast it

  it('attempts a critical delivery before a backlog of 5,000 normal ones drains', async () => {
    const slow = await receiver({ status: 200, delayMs: 2 });
    const url = `${slow.url}/backlog`;
    const normal = Array.from({ length: 5_000 }, (_, i) =>
      deliveryOf({ channel: 'webhook', url, secrets: [TEST_SECRET], timeoutMs: 5_000, body: `{"n":${i}}` }, { rateLimit: { max: 100_000, perMs: 1_000, maxConcurrent: 64 } }),
    );
    await s.app.queue!.submit(normal);
    await waitFor(() => slow.requests.length >= 20, { what: 'the backlog to start' });
    const critical = deliveryOf({ channel: 'webhook', url, secrets: [TEST_SECRET], timeoutMs: 5_000, body: '{"critical":true}' }, {
      priority: { level: 'critical', score: 95, reasons: ['test'] },
      rateLimit: { max: 100_000, perMs: 1_000, maxConcurrent: 64 },
    });
    await s.app.queue!.submit([critical]);
    await waitFor(() => slow.requests.some((r) => r.body === '{"critical":true}'), { timeoutMs: 30_000, what: 'the critical delivery' });
    const position = slow.requests.findIndex((r) => r.body === '{"critical":true}');
    expect(position).toBeLessThan(1_000);
    const backlogIds = [...normal, critical].map((d) => d.id);
    await waitFor(async () => (await s.db.pool.query(`select count(*)::int as n from deliveries where status = 'pending' and id = any($1)`, [backlogIds])).rows[0].n === 0, {
      timeoutMs: 110_000,
      what: 'the backlog to drain',
    });
    await slow.close();
  }, 120_000);

  it('keeps deliveries to a receiver down longer than the ladder as dead letters, and replays them with their ids', async () => {
    const down = await receiver(undefined);
    const port = down.port;
    await down.close();
    const org = await insertOrganization(s.db.pool);
    const wedding = await insertWedding(s.db.pool, { organizationId: org, weddingDate: DateTime.now().plus({ days: 60 }).toISODate()! });
    const endpoint = await insertWebhookEndpoint(s.db.pool, { organizationId: org, name: 'crm', url: `http://127.0.0.1:${port}/crm`, secret: TEST_SECRET });
    for (let i = 0; i < 3; i += 1) {
      s.realtime.emitChange({ table: 'form_responses', type: 'INSERT', record: { id: `fr-dead-${i}`, organization_id: org, wedding_id: wedding, vendor_id: null } });
    }
    const dead = async () =>
      (await s.db.pool.query<{ id: string; dead_reason: string; attempts: number }>(`select id, dead_reason, attempts from deliveries where destination = $1 and status = 'dead'`, [`webhook:${endpoint}`])).rows;
    await waitFor(async () => (await dead()).length === 3, { timeoutMs: 20_000, what: 'three dead letters' });
    for (const letter of await dead()) {
      expect(letter.dead_reason).toMatch(/^retries exhausted: network error ECONNREFUSED/);
      expect(letter.attempts).toBe(6); // three runs of two quick attempts each
    }
    const back = await receiver(undefined, port);
    const cli = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'replay', '--destination', `webhook:${endpoint}`, '--queue-schema', `${s.db.schema}_gw`], {
      cwd: resolve(__dirname, '../..'),
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: s.db.databaseUrl },
    });
    let out = '';
    cli.stdout.on('data', (c: Buffer) => (out += c.toString()));
    expect(await new Promise((done) => cli.on('exit', done))).toBe(0);
    expect(out).toContain('replayed 3 dead letter(s)');
    await waitFor(() => back.requests.length === 3, { timeoutMs: 20_000, what: 'the replayed deliveries' });
    expect(back.requests.map((r) => String(r.headers['webhook-id'])).sort()).toEqual((await s.db.pool.query<{ id: string }>(`select id from deliveries where destination = $1`, [`webhook:${endpoint}`])).rows.map((r) => r.id).sort());
    await back.close();
  });

  it("opens a failing partner endpoint's circuit, holds its deliveries behind it, and closes it on the first success after the cool-down", async () => {
    const flaky = await receiver({ status: 503 });
    const org = await insertOrganization(s.db.pool, {});
    const later = await insertWedding(s.db.pool, { organizationId: org, weddingDate: DateTime.now().plus({ days: 60 }).toISODate()! });
    const endpoint = await insertWebhookEndpoint(s.db.pool, { organizationId: org, name: 'crm', url: `${flaky.url}/crm`, secret: TEST_SECRET });
    const health = async () =>
      (await s.db.pool.query<{ failures: number; open: boolean }>(`select consecutive_failures as failures, coalesce(open_until > now(), false) as open from destination_health where destination = $1`, [`webhook:${endpoint}`])).rows[0];
    const form = (id: string) => s.realtime.emitChange({ table: 'form_responses', type: 'INSERT', record: { id, organization_id: org, wedding_id: later, vendor_id: null } });

    // The stack's threshold is 5 failed runs, its cool-down 300 ms.
    for (let i = 0; i < 5; i += 1) form(`fr-breaker-${i}`);
    await waitFor(async () => (await health())?.open, { timeoutMs: 20_000, what: 'the circuit to open' });
    expect((await health())!.failures).toBeGreaterThanOrEqual(5);

    // A longer cool-down than the stack's, so the next delivery surely meets the circuit open.
    await s.db.pool.query(`update destination_health set open_until = now() + interval '3 seconds' where destination = $1`, [`webhook:${endpoint}`]);
    flaky.setDefault({ status: 200 });
    form('fr-breaker-held');
    const heldId = await waitFor(
      async () => (await s.db.pool.query<{ id: string }>(`select id from deliveries where destination = $1 and payload::text like '%fr-breaker-held%'`, [`webhook:${endpoint}`])).rows[0]?.id,
      { what: 'the held delivery planned' },
    );
    await waitFor(() => testLines().some((l) => l.msg === 'circuit open; delivery waits' && l.deliveryId === heldId), { timeoutMs: 20_000, what: 'the delivery held by the open circuit' });
    // Held, not attempted: the receiver has not heard of it while the circuit was open.
    expect(flaky.requests.filter((r) => r.body.includes('fr-breaker-held'))).toEqual([]);

    await waitFor(async () => (await health())?.failures === 0, { timeoutMs: 20_000, what: 'the first success to close the circuit' });
    expect(await health()).toEqual({ failures: 0, open: false });
    await waitFor(() => flaky.requests.some((r) => r.body.includes('fr-breaker-held')), { timeoutMs: 20_000, what: 'the held delivery to arrive' });
    await flaky.close();
  });

  it('never disables a failing partner endpoint during a wedding protected window: it alerts, and the critical message fails over', async () => {
    const failing = await receiver({ status: 503 });
    const slackHook = s.slack.hookUrl();
    const org = await insertOrganization(s.db.pool, { slackWebhookUrl: slackHook });
    // Tomorrow in New York: critical and inside the protected window on both sides of a midnight.
    const today = await insertWedding(s.db.pool, { organizationId: org, weddingDate: DateTime.now().setZone('America/New_York').plus({ days: 1 }).toISODate()! });
    const endpoint = await insertWebhookEndpoint(s.db.pool, { organizationId: org, name: 'crm', url: `${failing.url}/crm`, secret: TEST_SECRET });
    // Fail "for longer than the disable period" at once: only the wedding keeps it on.
    await s.db.pool.query(`insert into destination_health (destination, consecutive_failures, first_failure_at) values ($1, 0, now() - interval '6 days')`, [`webhook:${endpoint}`]);
    // Urgent by nature on the day (a failed payment), so critical: an ordinary change is only raised to high.
    s.realtime.emitChange({
      table: 'payments',
      type: 'INSERT',
      record: { id: 'pay-protected', organization_id: org, wedding_id: today, vendor_id: null, amount_cents: 250_000, currency: 'USD', status: 'failed', failure_reason: 'card declined' },
    });

    await waitFor(() => s.slack.accepted.some((post) => post.hook === new URL(slackHook).pathname), { timeoutMs: 20_000, what: 'the failover to Slack' });
    const failover = testLines().find((l) => l.msg === 'failing over' && l.channel === 'webhook');
    expect(failover).toMatchObject({ priority: 'critical', to: 'slack', chain: 'webhook → slack' });
    expect(testLines().some((l) => l.msg === 'destination failing during a wedding protected window; kept enabled' && l.destination === `webhook:${endpoint}` && l.alert === true)).toBe(true);
    const { rows } = await s.db.pool.query<{ enabled: boolean; disabled_at: Date | null }>(
      `select e.enabled, h.disabled_at from webhook_endpoints e join destination_health h on h.destination = 'webhook:' || e.id where e.id = $1`,
      [endpoint],
    );
    expect(rows).toEqual([{ enabled: true, disabled_at: null }]);
    expect(failing.requests.length).toBeGreaterThan(1);
    await failing.close();
  });
});
