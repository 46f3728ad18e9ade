import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Pool } from 'pg';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { migrate } from '../../src/db/migrate';
import { memoryLogger } from '../support/memory-log';
import { PrivatePostgres } from '../support/private-postgres';
import { startFakeRealtime, type FakeRealtime } from '../support/realtime-server';
import { fastRealtimeClient } from '../support/start-app';
import { TEST_SECRET, TEST_SERVICE_KEY } from '../support/test-config';
import { waitFor } from '../support/wait-for';
import { WebhookReceiver } from '../support/webhook-receiver';

let cluster: PrivatePostgres;
let realtime: FakeRealtime;
let receiver: WebhookReceiver;
let pool: Pool;
let app: App;

beforeAll(async () => {
  [cluster, realtime, receiver] = await Promise.all([PrivatePostgres.create(), startFakeRealtime({ timing: 'fast' }), new WebhookReceiver().start()]);
  await migrate({ databaseUrl: cluster.url });
  const config = loadConfig({
    env: {
      SUPABASE_URL: realtime.url,
      SUPABASE_SERVICE_ROLE_KEY: TEST_SERVICE_KEY,
      DATABASE_URL: cluster.url,
      HEALTH_HOST: '127.0.0.1',
      HEALTH_PORT: '0',
      CONFIG_FILE: 'x.json',
      ARCHIVE_SECRET: TEST_SECRET,
      SHUTDOWN_TIMEOUT_MS: '10000',
    },
    readFile: () =>
      JSON.stringify({
        subscriptions: [{ name: 'weddings', table: 'weddings', weddingIdColumn: 'id' }],
        webhookEndpoints: [{ name: 'archive', url: `${receiver.url}/archive`, secretEnv: 'ARCHIVE_SECRET', rateLimit: { max: 1_000, perMs: 1_000 } }],
        rules: [{ name: 'archive', match: { table: 'weddings', events: ['INSERT'] }, audiences: [{ type: 'endpoint', name: 'archive' }] }],
        partnerWebhooks: { allowAddresses: ['127.0.0.1'] },
        queue: { pollIntervalMs: 200 },
        // The Realtime heart-beat at its usual pace: this test is about the database, and a missed
        // beat under load would rebuild the channel just as the fake pushes, which no catch-up can
        // recover (the fake's changes have no rows behind them).
        intake: { heartbeatIntervalMs: 15_000, joinTimeoutMs: 500, liveTimeoutMs: 5_000, rebuildDelaysMs: [50] },
      }),
  });
  pool = new Pool({ connectionString: cluster.url, max: 5 });
  pool.on('error', () => undefined);
  app = createApp({ config, logger: memoryLogger().logger, pool, connectRealtime: fastRealtimeClient(config) });
  await app.start();
  await waitFor(() => app.readiness().status === 'ready', { what: 'ready' });
});

afterAll(async () => {
  await app.stop();
  await pool.end();
  await Promise.all([realtime.close(), receiver.close(), cluster.destroy()]);
  // The stop's own deadline (10 s) plus the cluster's shutdown, with room for a loaded machine.
}, 60_000);

const push = (from: number, to: number) => {
  for (let i = from; i < to; i += 1) realtime.emitChange({ table: 'weddings', type: 'INSERT', record: { id: `w-${i}` } });
};
const deliveredIds = () => new Set(receiver.requests.map((r) => String(r.headers['webhook-id'])));

describe('PostgreSQL restarted mid-run', () => {
  it('turns not-ready while the database is away, recovers by itself, and loses nothing', async () => {
    push(0, 10);
    await waitFor(() => deliveredIds().size === 10, { what: 'the first ten' });

    await cluster.stop();
    push(10, 20);
    await waitFor(() => app.readiness().components.database?.ready === false, { timeoutMs: 15_000, what: 'not ready' });
    expect(app.readiness()).toMatchObject({ status: 'not_ready', components: { database: { state: 'unreachable', reason: expect.stringContaining('database unreachable') } } });

    await cluster.start();
    await waitFor(() => deliveredIds().size === 20, { timeoutMs: 30_000, what: 'every change delivered' });
    await waitFor(() => app.readiness().status === 'ready', { what: 'ready again' });
    // The receiver can see the last POST a moment before the ledger records it.
    const statuses = async () => (await pool.query<{ status: string; n: number }>(`select status, count(*)::int as n from deliveries group by status`)).rows;
    // A job whose completion was lost with the database is unlocked at the next liveness beat (5 s)
    // and re-run as a no-op that records it.
    await waitFor(async () => JSON.stringify(await statuses()) === JSON.stringify([{ status: 'delivered', n: 20 }]), { timeoutMs: 20_000, what: 'the ledger to say delivered' });
  }, 60_000);
});
