import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runMigrations } from 'graphile-worker';
import type { Notification, PoolClient } from 'pg';
import { DeliveryLedger } from '../../src/deliver/durable/delivery-ledger';
import { deliveryOf } from '../support/delivery-factory';
import { TEST_SECRET } from '../support/test-config';
import { createTestSchema, type TestSchema } from '../support/test-db';
import { waitFor } from '../support/wait-for';

let db: TestSchema;
let gw: string;
let ledger: DeliveryLedger;
let listener: PoolClient;
const heard: string[] = [];
beforeAll(async () => {
  db = await createTestSchema('reschedule');
  gw = `${db.schema}_gw`;
  await runMigrations({ pgPool: db.pool, schema: gw });
  ledger = new DeliveryLedger(db.pool, gw);
  listener = await db.pool.connect();
  listener.on('notification', (n: Notification) => void heard.push(n.payload ?? ''));
  await listener.query('listen "jobs:insert"');
});
afterAll(async () => {
  listener.release();
  await db.pool.query(`drop schema if exists "${gw}" cascade`);
  await db.drop();
});

const webhook = (level: 'critical' | 'normal') =>
  deliveryOf({ channel: 'webhook', url: 'http://127.0.0.1:9/hook', secrets: [TEST_SECRET], timeoutMs: 1_000, body: '{}' }, { priority: { level, score: level === 'critical' ? 95 : 50, reasons: ['test'] } });

/** The delivery's jobs: the one holding its key, and how many others name it in their payload. */
async function jobsOf(id: string) {
  const { rows } = await db.pool.query<{ key: string | null; task: string; due_ms: string; priority: number; attempts: number }>(
    `select j.key, t.identifier as task, (extract(epoch from j.run_at) * 1000)::bigint::text as due_ms, j.priority, j.attempts
     from "${gw}"._private_jobs j join "${gw}"._private_tasks t on t.id = j.task_id where j.payload->>'id' = $1 order by j.id`,
    [id],
  );
  return rows.map((r) => ({ ...r, dueMs: Number(r.due_ms) }));
}

/** What was heard on graphile-worker's channel before a marker sent after `step`: NOTIFYs arrive in commit order. */
async function notifiesDuring(step: () => Promise<void>): Promise<string[]> {
  heard.length = 0;
  await step();
  const marker = `marker-${Math.random()}`;
  await db.pool.query(`select pg_notify('jobs:insert', $1)`, [marker]);
  await waitFor(() => heard.includes(marker), { what: 'the marker heard' });
  return heard.slice(0, heard.indexOf(marker));
}

describe('putting a running delivery back in the queue', () => {
  it('gives its key to a job due when asked, in the same task and priority, and sends no NOTIFY', async () => {
    const delivery = webhook('critical');
    await ledger.enqueue([delivery]);
    // As graphile-worker holds a job it runs.
    await db.pool.query(`update "${gw}"._private_jobs set locked_at = now(), locked_by = 'worker-under-test' where key = $1`, [delivery.id]);
    const atMs = Date.now() + 90_000;

    const notified = await notifiesDuring(() => ledger.reschedule(delivery.id, { atMs, attempts: 2, countRun: true, error: 'busy', status: 429 }));

    expect(notified).toEqual([]);
    const jobs = await jobsOf(delivery.id);
    expect(jobs).toHaveLength(2);
    // The running one let go of the key (graphile-worker deletes it when the run completes).
    expect(jobs[0]).toMatchObject({ key: null, task: 'deliver' });
    expect(jobs[1]).toMatchObject({ key: delivery.id, task: 'deliver', priority: 5, attempts: 0 });
    expect(Math.abs(jobs[1]!.dueMs - atMs)).toBeLessThan(2);
    const { rows } = await db.pool.query('select attempts, runs, last_error, last_status, next_attempt_at from deliveries where id = $1', [delivery.id]);
    expect(rows[0]).toMatchObject({ attempts: 2, runs: 1, last_error: 'busy', last_status: 429 });
    expect(Math.abs((rows[0].next_attempt_at as Date).getTime() - atMs)).toBeLessThan(2);
  });

  it("moves a job that is not running to the new time under its key, and leaves a finished delivery's jobs alone", async () => {
    const waiting = webhook('normal');
    const finished = webhook('normal');
    await ledger.enqueue([waiting, finished]);
    await db.pool.query(`update deliveries set status = 'delivered' where id = $1`, [finished.id]);
    const atMs = Date.now() + 30_000;
    await ledger.reschedule(waiting.id, { atMs, attempts: 0, countRun: false });
    await ledger.reschedule(finished.id, { atMs, attempts: 0, countRun: false });
    const moved = await jobsOf(waiting.id);
    expect(moved).toHaveLength(1);
    expect(moved[0]).toMatchObject({ key: waiting.id, task: 'deliver_bulk' });
    expect(Math.abs(moved[0]!.dueMs - atMs)).toBeLessThan(2);
    const untouched = await jobsOf(finished.id);
    expect(untouched).toHaveLength(1);
    expect(Math.abs(untouched[0]!.dueMs - atMs)).toBeGreaterThan(10_000);
  });

  it("queues it through graphile-worker's add_job when its task is not registered in the queue's schema", async () => {
    const delivery = webhook('normal');
    await ledger.enqueue([delivery]);
    await db.pool.query(`delete from "${gw}"._private_jobs where key = $1`, [delivery.id]);
    // A queue schema migrated afresh since: no task of that name yet.
    await db.pool.query(`update "${gw}"._private_tasks set identifier = 'deliver_bulk_renamed' where identifier = 'deliver_bulk'`);
    const atMs = Date.now() + 30_000;
    const notified = await notifiesDuring(() => ledger.reschedule(delivery.id, { atMs, attempts: 1, countRun: true }));
    const jobs = await jobsOf(delivery.id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ key: delivery.id, task: 'deliver_bulk' });
    expect(Math.abs(jobs[0]!.dueMs - atMs)).toBeLessThan(2);
    expect(notified).toHaveLength(1);
    const { rows } = await db.pool.query('select attempts, runs from deliveries where id = $1', [delivery.id]);
    expect(rows[0]).toEqual({ attempts: 1, runs: 1 });
  });
});

/** As graphile-worker holds the jobs it runs. */
async function lockJobsOf(ids: readonly string[]): Promise<void> {
  await db.pool.query(`update "${gw}"._private_jobs set locked_at = now(), locked_by = 'worker-under-test' where key = any($1)`, [ids]);
}

/** The rows' versions: PostgreSQL gives a row a new xmin and ctid whenever it is rewritten. */
async function versionsOf(ids: readonly string[]): Promise<Record<string, string>> {
  const { rows } = await db.pool.query<{ id: string; version: string }>(`select id, xmin::text || ' ' || ctid::text as version from deliveries where id = any($1)`, [ids]);
  return Object.fromEntries(rows.map((r) => [r.id, r.version]));
}

describe('putting running deliveries back behind a busy limit', () => {
  it('moves their jobs in one statement, without a NOTIFY, and leaves their ledger rows unwritten', async () => {
    const deliveries = [webhook('critical'), webhook('critical'), webhook('normal'), webhook('normal')];
    const ids = deliveries.map((d) => d.id);
    await ledger.enqueue(deliveries);
    await lockJobsOf(ids);
    const before = await versionsOf(ids);
    const statements: string[] = [];
    const counting = new DeliveryLedger({ query: (text: string, values?: unknown[]) => (statements.push(text), db.pool.query(text, values)), connect: () => db.pool.connect() } as never, gw);
    const atMs = Date.now() + 45_000;

    const notified = await notifiesDuring(() => Promise.all(ids.map((id, i) => counting.putBack(id, atMs + i))).then(() => undefined));

    expect(notified).toEqual([]);
    // The first goes alone; the three that came while it was in flight share the next statement.
    expect(statements).toHaveLength(2);
    expect(await versionsOf(ids)).toEqual(before);
    for (const [i, d] of deliveries.entries()) {
      const jobs = await jobsOf(d.id);
      expect(jobs).toHaveLength(2);
      expect(jobs[0]).toMatchObject({ key: null });
      expect(jobs[1]).toMatchObject({ key: d.id, task: i < 2 ? 'deliver' : 'deliver_bulk', priority: i < 2 ? 5 : 50, attempts: 0 });
      expect(Math.abs(jobs[1]!.dueMs - (atMs + i))).toBeLessThan(2);
    }
  });

  it("leaves a finished delivery's job alone, and takes graphile-worker's add_job for a task not registered", async () => {
    const finished = webhook('critical');
    const unregistered = webhook('normal');
    await ledger.enqueue([finished, unregistered]);
    await db.pool.query(`update deliveries set status = 'delivered' where id = $1`, [finished.id]);
    await db.pool.query(`delete from "${gw}"._private_jobs where key = $1`, [unregistered.id]);
    await db.pool.query(`update "${gw}"._private_tasks set identifier = 'deliver_bulk_gone' where identifier = 'deliver_bulk'`);
    const atMs = Date.now() + 30_000;
    // A queue schema migrated afresh since: no task of that name yet (add_job registers it).
    await Promise.all([ledger.putBack(finished.id, atMs), ledger.putBack(unregistered.id, atMs)]);
    const untouched = await jobsOf(finished.id);
    expect(untouched).toHaveLength(1);
    expect(Math.abs(untouched[0]!.dueMs - atMs)).toBeGreaterThan(10_000);
    const added = await jobsOf(unregistered.id);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ key: unregistered.id, task: 'deliver_bulk' });
    expect(Math.abs(added[0]!.dueMs - atMs)).toBeLessThan(2);
  });
});

/** `step` inside a transaction of its own, committed: as an escalation, a digest or a fail-over enqueues. */
async function inTransaction(step: (client: PoolClient) => Promise<unknown>): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query('begin');
    await step(client);
    await client.query('commit');
  } finally {
    client.release();
  }
}

describe('queueing first runs inside a transaction of the caller', () => {
  it('writes the ledger row and a job due now under its key, and sends no NOTIFY', async () => {
    const delivery = webhook('critical');
    const before = Date.now();
    let fresh: string[] = [];
    const notified = await notifiesDuring(() => inTransaction(async (client) => (fresh = await ledger.enqueue([delivery], client, true))));
    expect(notified).toEqual([]);
    expect(fresh).toEqual([delivery.id]);
    const jobs = await jobsOf(delivery.id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ key: delivery.id, task: 'deliver', priority: 5, attempts: 0 });
    expect(jobs[0]!.dueMs).toBeGreaterThanOrEqual(before - 1_000);
    expect(jobs[0]!.dueMs).toBeLessThanOrEqual(Date.now() + 1_000);
    // A second copy is not new, and queues nothing more.
    await inTransaction(async (client) => expect(await ledger.enqueue([delivery], client, true)).toEqual([]));
    expect(await jobsOf(delivery.id)).toHaveLength(1);
  });

  it("falls back to graphile-worker's add_jobs for a task not registered in the queue's schema", async () => {
    await db.pool.query(`update "${gw}"._private_tasks set identifier = 'deliver_renamed' where identifier = 'deliver'`);
    const delivery = webhook('critical');
    const notified = await notifiesDuring(() => inTransaction((client) => ledger.enqueue([delivery], client, true)));
    expect(notified).toHaveLength(1);
    const jobs = await jobsOf(delivery.id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ key: delivery.id, task: 'deliver', priority: 5 });
  });
});
