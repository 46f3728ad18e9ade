import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runMigrations } from 'graphile-worker';
import type { Delivery } from '../../src/decide/delivery';
import { DELIVER_BULK_TASK, DELIVER_TASK, DeliveryLedger } from '../../src/deliver/durable/delivery-ledger';
import type { PriorityLevel } from '../../src/vocabulary';
import { deliveryOf } from '../support/delivery-factory';
import { startTestApp, type TestApp } from '../support/start-app';
import { TEST_SECRET } from '../support/test-config';
import { createTestSchema, type TestSchema } from '../support/test-db';
import { waitFor } from '../support/wait-for';
import { WebhookReceiver } from '../support/webhook-receiver';

let db: TestSchema;
let gw: string;
beforeAll(async () => {
  db = await createTestSchema('urgentrun');
  gw = `${db.schema}_gw`;
});
afterAll(async () => {
  await db.pool.query(`drop schema if exists "${gw}" cascade`);
  await db.drop();
});

const webhook = (url: string, level: PriorityLevel, recipient: string): Delivery =>
  deliveryOf(
    // Long enough that no attempt ends while the test runs: the hanging ones hold their workers.
    { channel: 'webhook', url, secrets: [TEST_SECRET], timeoutMs: 60_000, body: JSON.stringify({ level }) },
    { recipient: { kind: 'endpoint', id: recipient }, priority: { level, score: level === 'critical' ? 95 : 45, reasons: ['test'] } },
  );

/** Jobs of a task locked by a runner: running, or fetched into a local queue and waiting there. */
const lockedJobs = async (task: string) =>
  Number(
    (
      await db.pool.query<{ n: string }>(
        `select count(*) as n from "${gw}"._private_jobs j join "${gw}"._private_tasks t on t.id = j.task_id where t.identifier = $1 and j.locked_by is not null`,
        [task],
      )
    ).rows[0]!.n,
  );

describe('a critical delivery and normal ones already fetched by the local queue', () => {
  let t: TestApp;
  const stuck = new WebhookReceiver({ hang: true });

  beforeAll(async () => {
    await stuck.start();
    // No poll within the test: a job runs only because a notification woke a worker for it.
    t = await startTestApp({ env: { DATABASE_URL: db.databaseUrl }, worker: { queue: { schema: gw, concurrency: 2, urgentConcurrency: 3, pollIntervalMs: 600_000 } } });
    await waitFor(() => t.app.queue?.runnerState().running === true, { what: 'the queue runners' });
  });
  afterAll(async () => {
    // Closed first: the hanging attempts fail at once instead of holding the shutdown.
    await stuck.close();
    await t.close();
  });

  it('leaves first, while every bulk worker is busy and fetched normal jobs wait in the local queue', async () => {
    await t.app.queue!.submit(Array.from({ length: 8 }, () => webhook(`${stuck.url}/normal`, 'normal', 'stuck')));
    // Both bulk workers hold a hanging request, and the local queue has fetched (locked) more.
    await waitFor(() => stuck.requests.length === 2, { what: 'both bulk workers sending' });
    await waitFor(async () => (await lockedJobs(DELIVER_BULK_TASK)) > 2, { what: 'normal jobs fetched into the local queue' });

    await t.app.queue!.submit([webhook(`${t.receiver.url}/critical`, 'critical', 'urgent')]);
    await waitFor(() => t.receiver.requests.some((r) => r.path === '/critical'), { what: 'the critical delivery' });

    // None of the normal jobs fetched before it ran first: they are still locked, unsent.
    expect(stuck.requests).toHaveLength(2);
    expect(await lockedJobs(DELIVER_BULK_TASK)).toBeGreaterThan(2);
  });

  it('runs urgent jobs queued together at once, without a poll, taken in one statement', async () => {
    const before = stuck.requests.length;
    await t.app.queue!.submit([webhook(`${stuck.url}/critical-a`, 'critical', 'urgent-a'), webhook(`${stuck.url}/critical-b`, 'critical', 'urgent-b')]);
    await waitFor(() => stuck.requests.length === before + 2, { what: 'both critical deliveries sending at once' });
    expect(stuck.requests.slice(before).map((r) => r.path).sort()).toEqual(['/critical-a', '/critical-b']);
    // Rows locked by one statement carry its transaction's id (bench/ figure 11: a statement and
    // a commit a job, taken one at a time, held PostgreSQL).
    const { rows } = await db.pool.query<{ statements: number; jobs: number }>(
      `select count(distinct j.xmin::text)::int as statements, count(*)::int as jobs from "${gw}"._private_jobs j join "${gw}"._private_tasks t on t.id = j.task_id
       where t.identifier = $1 and j.locked_by is not null`,
      [DELIVER_TASK],
    );
    expect(rows[0]).toEqual({ statements: 1, jobs: 2 });
  });

  it('runs as many urgent jobs at once as urgentConcurrency, more than the bulk runner has', async () => {
    const before = stuck.requests.length;
    await t.app.queue!.submit([webhook(`${stuck.url}/critical-c`, 'critical', 'urgent-c')]);
    // critical-a and -b still hang: the third urgent worker takes this one.
    await waitFor(() => stuck.requests.length === before + 1, { what: 'a third critical delivery sending' });
    expect(stuck.requests.at(-1)!.path).toBe('/critical-c');
  });
});

describe('the task of a delivery job', () => {
  it('follows the level, when queued, rescheduled and replayed', async () => {
    await runMigrations({ pgPool: db.pool, schema: gw });
    const ledger = new DeliveryLedger(db.pool, gw);
    const url = 'http://127.0.0.1:9/unused';
    const byLevel = Object.fromEntries((['critical', 'high', 'normal', 'low'] as const).map((level) => [level, webhook(url, level, level)]));
    await ledger.enqueue(Object.values(byLevel));
    const taskOf = async (id: string) =>
      (await db.pool.query<{ identifier: string }>(`select t.identifier from "${gw}"._private_jobs j join "${gw}"._private_tasks t on t.id = j.task_id where j.key = $1`, [id])).rows[0]?.identifier;
    const expected = { critical: DELIVER_TASK, high: DELIVER_TASK, normal: DELIVER_BULK_TASK, low: DELIVER_BULK_TASK };
    for (const [level, d] of Object.entries(byLevel)) expect([level, await taskOf(d.id)]).toEqual([level, expected[level as PriorityLevel]]);

    await ledger.reschedule(byLevel.critical!.id, { atMs: Date.now() + 60_000, attempts: 1, countRun: true });
    await ledger.reschedule(byLevel.normal!.id, { atMs: Date.now() + 60_000, attempts: 1, countRun: true });
    expect(await taskOf(byLevel.critical!.id)).toBe(DELIVER_TASK);
    expect(await taskOf(byLevel.normal!.id)).toBe(DELIVER_BULK_TASK);

    await ledger.markDead(byLevel.high!.id, { attempts: 1, reason: 'test' });
    await ledger.markDead(byLevel.low!.id, { attempts: 1, reason: 'test' });
    await db.pool.query(`delete from "${gw}"._private_jobs where key = any($1)`, [[byLevel.high!.id, byLevel.low!.id]]);
    expect(new Set(await ledger.replay({ ids: [byLevel.high!.id, byLevel.low!.id] }))).toEqual(new Set([byLevel.high!.id, byLevel.low!.id]));
    expect(await taskOf(byLevel.high!.id)).toBe(DELIVER_TASK);
    expect(await taskOf(byLevel.low!.id)).toBe(DELIVER_BULK_TASK);
  });
});
