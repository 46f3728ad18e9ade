import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { startFakeRealtime, type FakeRealtime } from '../support/realtime-server';
import { killWorkers, spawnWorker, type WorkerProcess } from '../support/spawn-worker';
import { newOrganization, newWedding } from '../support/tenant-writes';
import { TEST_SECRET, TEST_SERVICE_KEY } from '../support/test-config';
import { createTestSchema, type TestSchema } from '../support/test-db';
import { waitFor } from '../support/wait-for';
import { WebhookReceiver } from '../support/webhook-receiver';

/**
 * A worker killed (SIGKILL: no drain, no cursor save) soon after its very first start, on a
 * fresh database, must not lose what changed meanwhile. The fake Realtime server here does not
 * follow the database, so nothing is pushed live: the changes are ones Realtime dropped (it is
 * at-most-once, realtime-protocol.md §5), and only the restarted worker's catch-up can find them.
 */
let db: TestSchema;
let realtime: FakeRealtime;
let receiver: WebhookReceiver;
const workers: WorkerProcess[] = [];

beforeEach(async () => {
  [db, realtime, receiver] = await Promise.all([createTestSchema('freshcrash'), startFakeRealtime(), new WebhookReceiver({ status: 200 }).start()]);
});
afterEach(async () => {
  await killWorkers(workers);
  await Promise.all([realtime.close(), receiver.close()]);
  await db.pool.query(`drop schema if exists "${db.schema}_gw" cascade`);
  await db.drop();
});

const modes = {
  outbox: { mode: 'outbox' },
  table: { mode: 'table', catchUp: { overlapMs: 1_000 } },
} as const;

function startWorker(subscription: Record<string, unknown>): WorkerProcess {
  const worker = spawnWorker({
    env: { SUPABASE_URL: realtime.url, SUPABASE_SERVICE_ROLE_KEY: TEST_SERVICE_KEY, DATABASE_URL: db.databaseUrl, ARCHIVE_SECRET: TEST_SECRET, LOG_LEVEL: 'info' },
    configFile: {
      subscriptions: [{ name: 'weddings', schema: db.schema, table: 'weddings', weddingIdColumn: 'id', ...subscription }],
      webhookEndpoints: [{ name: 'archive', url: `${receiver.url}/archive`, secretEnv: 'ARCHIVE_SECRET' }],
      rules: [{ name: 'archive', match: { schema: db.schema, table: 'weddings', events: ['INSERT'] }, audiences: [{ type: 'endpoint', name: 'archive' }] }],
      partnerWebhooks: { allowAddresses: ['127.0.0.1'] },
      intake: { heartbeatIntervalMs: 500, joinTimeoutMs: 1_000, liveTimeoutMs: 10_000, rebuildDelaysMs: [100, 200] },
      queue: { schema: `${db.schema}_gw`, pollIntervalMs: 100, heartbeatMs: 250, deadWorkerAfterMs: 2_000 },
    },
  });
  workers.push(worker);
  return worker;
}

async function untilReady(worker: WorkerProcess): Promise<void> {
  const port = await worker.healthPort();
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, { what: 'the worker ready', timeoutMs: 20_000 });
}

const delivered = (weddingId: string) => receiver.requests.some((r) => r.body.includes(weddingId));

describe.each(Object.entries(modes))('a crash right after the first start (%s mode)', (_mode, subscription) => {
  it('loses none of the changes made before and after the kill', async () => {
    const org = await newOrganization(db.pool);
    // The last write before the first start is an hour old: nothing lies within a catch-up's overlap.
    const { rows } = await db.pool.query<{ id: string }>(
      `insert into weddings (organization_id, couple_name, wedding_date, time_zone, created_at, updated_at)
       values ($1, 'Before the worker existed', date '2027-06-12', 'Europe/London', now() - interval '1 hour', now() - interval '1 hour') returning id`,
      [org],
    );
    const history = rows[0]!.id;
    const first = startWorker(subscription);
    await untilReady(first);
    const whileLive = [await newWedding(db.pool, org, 'Made while live 1'), await newWedding(db.pool, org, 'Made while live 2')];

    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const whileDown = [await newWedding(db.pool, org, 'Made while down 1'), await newWedding(db.pool, org, 'Made while down 2')];

    const second = startWorker(subscription);
    await untilReady(second);
    const expected = [...whileLive, ...whileDown];
    await waitFor(() => expected.every(delivered), { what: 'every change made since the first start delivered', timeoutMs: 30_000 });
    // History from before the first start is not replayed.
    expect(delivered(history)).toBe(false);

    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 90_000);
});
