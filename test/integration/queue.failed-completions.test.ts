import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deliveryOf } from '../support/delivery-factory';
import { startTestApp, type TestApp } from '../support/start-app';
import { TEST_SECRET } from '../support/test-config';
import { createTestSchema, type TestSchema } from '../support/test-db';
import { waitFor } from '../support/wait-for';

// graphile-worker 0.18.0's job-completion batcher loses count after its second failed batch; if
// the pool's last worker then finishes without completing a job (its job failed instead), the
// pool never finishes shutting down (src/deliver/durable/workers-released.ts). That is what a
// database restart with jobs in flight gives; here triggers refuse the writes on cue.
let db: TestSchema;
let t: TestApp;
let gw: string;

beforeAll(async () => {
  db = await createTestSchema('failcomp');
  gw = `${db.schema}_gw`;
  t = await startTestApp({
    env: { DATABASE_URL: db.databaseUrl },
    worker: { queue: { schema: gw, concurrency: 4, heartbeatMs: 100 } },
  });
  await waitFor(() => t.app.queue?.runnerState().running === true, { what: 'the queue runner' });
});
afterAll(async () => {
  await t.close();
  await db.pool.query(`drop schema if exists "${gw}" cascade`);
  await db.drop();
});

const refuse = async (name: string, table: string, event: string, when: string) => {
  await db.pool.query(`create function "${db.schema}".${name}() returns trigger language plpgsql as $$ begin raise exception 'refused by the test'; end $$`);
  await db.pool.query(`create trigger ${name} before ${event} on ${table} for each row when (${when}) execute function "${db.schema}".${name}()`);
};
const allow = (name: string, table: string) => db.pool.query(`drop trigger ${name} on ${table}`);
const jobsLeft = async () => (await db.pool.query<{ n: number }>(`select count(*)::int as n from "${gw}"._private_jobs`)).rows[0]!.n;
const failedBatches = () => t.lines.filter((l) => l.msg.startsWith('Failed to complete jobs')).length;

describe('two failed completion batches, then a job that fails', () => {
  it('unlock the runner\'s jobs for the next runner, send nothing twice, and do not hang the stop', async () => {
    const gate = () => {
      let open!: () => void;
      return { opened: new Promise<void>((resolve) => (open = resolve)), open: () => open() };
    };
    const [second, third] = [gate(), gate()];
    t.receiver.respondWith({ status: 200 }, { status: 200, after: second.opened }, { status: 200, after: third.opened });
    const deliveries = ['a', 'b', 'c'].map((n) =>
      deliveryOf({ channel: 'webhook', url: `${t.receiver.url}/held`, secrets: [TEST_SECRET], timeoutMs: 30_000, body: `{"n":"${n}"}` }, { recipient: { kind: 'endpoint', id: `held-${n}` } }),
    );
    await refuse('refuse_completion', `"${gw}"._private_jobs`, 'delete', 'true');
    await t.app.queue!.submit(deliveries);
    await waitFor(() => t.receiver.requests.length === 3, { what: 'all three sent' });
    await waitFor(() => failedBatches() === 1, { what: 'the first completion refused' });
    second.open();
    await waitFor(() => failedBatches() === 2, { what: 'the second completion refused' });
    // The last job's "delivered" write is refused too, so its run fails instead of completing.
    const lastId = (await db.pool.query<{ id: string }>(`select payload->>'id' as id from "${gw}"._private_jobs where locked_by is not null and payload->>'id' not in (select id from deliveries where status = 'delivered')`)).rows[0]!.id;
    await refuse('refuse_mark', 'deliveries', 'update', `new.status = 'delivered' and new.id = '${lastId}'`);
    third.open();
    await waitFor(() => t.lines.some((l) => l.msg.startsWith('Graceful shutdown complete')), { what: 'the failed pool\'s workers released' });
    await allow('refuse_completion', `"${gw}"._private_jobs`);
    await allow('refuse_mark', 'deliveries');

    // The restarted runner takes the unlocked jobs: two are no-ops, the third only writes its mark.
    await waitFor(async () => (await jobsLeft()) === 0, { timeoutMs: 30_000, what: 'every job finished by the next runner' });
    expect(t.receiver.requests).toHaveLength(3);
    const statuses = await db.pool.query<{ status: string }>(`select status from deliveries`);
    expect(statuses.rows.map((r) => r.status)).toEqual(['delivered', 'delivered', 'delivered']);
    await expect(t.app.stop()).resolves.toMatchObject({ clean: true });
  }, 60_000);
});
