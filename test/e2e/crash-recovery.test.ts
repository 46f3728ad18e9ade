import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeRealtime, type FakeRealtime } from '../support/realtime-server';
import { killWorkers, spawnWorker, type WorkerProcess } from '../support/spawn-worker';
import { TEST_SECRET, TEST_SERVICE_KEY } from '../support/test-config';
import { createTestSchema, type TestSchema } from '../support/test-db';
import { waitFor } from '../support/wait-for';
import { WebhookReceiver } from '../support/webhook-receiver';

let db: TestSchema;
let realtime: FakeRealtime;
let receiver: WebhookReceiver;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  [db, realtime, receiver] = await Promise.all([createTestSchema('crash'), startFakeRealtime({ timing: 'fast' }), new WebhookReceiver({ status: 200, delayMs: 15 }).start()]);
});
afterAll(async () => {
  await killWorkers(workers);
  await Promise.all([realtime.close(), receiver.close()]);
  await db.pool.query(`drop schema if exists "${db.schema}_gw" cascade`);
  await db.drop();
});

function startWorker(): WorkerProcess {
  const worker = spawnWorker({
    env: {
      SUPABASE_URL: realtime.url,
      SUPABASE_SERVICE_ROLE_KEY: TEST_SERVICE_KEY,
      DATABASE_URL: db.databaseUrl,
      ARCHIVE_SECRET: TEST_SECRET,
      LOG_LEVEL: 'info',
    },
    configFile: {
      subscriptions: [{ name: 'weddings', table: 'weddings', weddingIdColumn: 'id' }],
      webhookEndpoints: [
        { name: 'archive', url: `${receiver.url}/archive`, secretEnv: 'ARCHIVE_SECRET', rateLimit: { max: 100_000, perMs: 1_000, maxConcurrent: 16 } },
      ],
      rules: [{ name: 'archive', match: { table: 'weddings', events: ['INSERT'] }, audiences: [{ type: 'endpoint', name: 'archive' }] }],
      partnerWebhooks: { allowAddresses: ['127.0.0.1'] },
      queue: { schema: `${db.schema}_gw`, concurrency: 8, pollIntervalMs: 100, heartbeatMs: 250, deadWorkerAfterMs: 2_000 },
    },
  });
  workers.push(worker);
  return worker;
}

const count = async (where: string) => (await db.pool.query<{ n: number }>(`select count(*)::int as n from deliveries ${where}`)).rows[0]!.n;

describe('a crash in the middle of a burst', () => {
  it('loses nothing: after kill -9 and a restart every delivery arrives, repeats with the same webhook-id', async () => {
    const first = startWorker();
    await first.healthPort();
    await waitFor(() => realtime.liveTopics().length === 1, { timeoutMs: 15_000, what: 'the first worker live' });
    for (let i = 0; i < 1_000; i += 1) realtime.emitChange({ table: 'weddings', type: 'INSERT', record: { id: `w-${i}`, couple_name: `Couple ${i}` } });
    await waitFor(async () => (await count('')) === 1_000, { timeoutMs: 30_000, what: 'all 1,000 deliveries persisted' });
    await waitFor(() => receiver.requests.length >= 100, { timeoutMs: 30_000, what: 'the burst to be under way' });

    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const deliveredBeforeCrash = await count(`where status = 'delivered'`);
    expect(deliveredBeforeCrash).toBeLessThan(1_000);

    const second = startWorker();
    await second.healthPort();
    await waitFor(async () => (await count(`where status = 'delivered'`)) === 1_000, { timeoutMs: 60_000, what: 'every delivery done after the restart' });

    const expected = (await db.pool.query<{ id: string }>('select id from deliveries')).rows.map((r) => r.id).sort();
    const received = new Map<string, Set<string>>();
    for (const request of receiver.requests) {
      const id = String(request.headers['webhook-id']);
      received.set(id, (received.get(id) ?? new Set()).add(request.body));
    }
    expect([...received.keys()].sort()).toEqual(expected);
    // A delivery cut off by the crash may arrive twice, but always as the same message.
    for (const bodies of received.values()) expect(bodies.size).toBe(1);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 120_000);
});
