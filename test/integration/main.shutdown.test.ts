import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { STOP_MARGIN_MS } from '../../src/lifecycle';
import { closedPort } from '../support/closed-port';
import { startFakeRealtime, type FakeRealtime } from '../support/realtime-server';
import { spawnWorker, type WorkerProcess } from '../support/spawn-worker';
import { TEST_SECRET, TEST_SERVICE_KEY } from '../support/test-config';
import { createTestSchema, type TestSchema } from '../support/test-db';
import { waitFor } from '../support/wait-for';
import { WebhookReceiver } from '../support/webhook-receiver';

// The whole stop, from the signal to the exit, keeps to SHUTDOWN_TIMEOUT_MS plus the fixed margin
// the README and docker-compose.yml's stop_grace_period are set from.

let db: TestSchema;
let realtime: FakeRealtime;
let receiver: WebhookReceiver;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  [db, realtime, receiver] = await Promise.all([createTestSchema('stop'), startFakeRealtime(), new WebhookReceiver().start()]);
});
afterEach(async () => {
  if (worker && worker.child.exitCode === null && worker.child.signalCode === null) {
    worker.child.kill('SIGKILL');
    await worker.exited;
  }
  worker = undefined;
});
afterAll(async () => {
  await Promise.all([realtime.close(), receiver.close()]);
  await db.pool.query(`drop schema if exists "${db.schema}_gw" cascade`);
  await db.drop();
});

/** Signals the worker and measures until it is gone. */
async function stopWith(signal: NodeJS.Signals): Promise<{ exit: Awaited<WorkerProcess['exited']>; ms: number }> {
  const signalledAt = performance.now();
  worker!.child.kill(signal);
  const exit = await worker!.exited;
  return { exit, ms: performance.now() - signalledAt };
}

const messages = () => worker!.lines().map((line) => line.msg);

describe('stopping the worker process', () => {
  it('stops cleanly on SIGTERM while the start still waits for an unreachable database', async () => {
    const shutdownTimeoutMs = 2_000;
    const healthPort = await closedPort();
    worker = spawnWorker({
      env: {
        SUPABASE_URL: realtime.url,
        SUPABASE_SERVICE_ROLE_KEY: TEST_SERVICE_KEY,
        DATABASE_URL: `postgres://postgres@127.0.0.1:${await closedPort()}/test`,
        HEALTH_PORT: String(healthPort),
        SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
      },
      configFile: { subscriptions: [{ name: 'weddings', table: 'weddings' }] },
    });
    // The start waits up to a minute for the database; /readyz says so meanwhile.
    await waitFor(
      async () => {
        const response = await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => null);
        const body = response && ((await response.json()) as { components: Record<string, { state?: string }> });
        return body?.components.database?.state === 'unreachable';
      },
      { what: 'the start to be waiting for the database', timeoutMs: 60_000 },
    );

    const { exit, ms } = await stopWith('SIGTERM');

    expect(exit).toEqual({ code: 0, signal: null });
    expect(ms).toBeLessThan(shutdownTimeoutMs + STOP_MARGIN_MS);
    expect(messages()).toEqual(expect.arrayContaining(['shutdown requested; draining', 'draining', 'stopped']));
    expect(messages()).not.toContain('worker started');
    expect(messages()).not.toContain('stop overran its deadline; exiting');
  }, 90_000);

  it('spends one deadline on the whole stop: a decision waiting out the database and a drain that needs all of it', async () => {
    // Longer than the margin, so spending the deadline twice could not hide inside it.
    const shutdownTimeoutMs = STOP_MARGIN_MS + 3_000;
    receiver.setDefault({ hang: true });
    worker = spawnWorker({
      env: {
        SUPABASE_URL: realtime.url,
        SUPABASE_SERVICE_ROLE_KEY: TEST_SERVICE_KEY,
        DATABASE_URL: db.databaseUrl,
        ARCHIVE_SECRET: TEST_SECRET,
        SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
      },
      configFile: {
        subscriptions: [{ name: 'weddings', table: 'weddings', weddingIdColumn: 'id' }],
        webhookEndpoints: [{ name: 'archive', url: `${receiver.url}/archive`, secretEnv: 'ARCHIVE_SECRET', timeoutMs: 120_000 }],
        rules: [{ name: 'archive', match: { table: 'weddings', events: ['INSERT'] }, audiences: [{ type: 'endpoint', name: 'archive' }] }],
        partnerWebhooks: { allowAddresses: ['127.0.0.1'] },
        queue: { schema: `${db.schema}_gw`, pollIntervalMs: 100 },
      },
    });
    await worker.healthPort();
    await waitFor(() => realtime.liveTopics().length === 1, { timeoutMs: 15_000, what: 'the worker live' });

    // The first change's delivery hangs at the receiver: the drain needs the whole deadline.
    realtime.emitChange({ table: 'weddings', type: 'INSERT', record: { id: 'w-1' } });
    await waitFor(() => receiver.requests.length === 1, { what: 'the first delivery in flight' });
    // From now on the ledger refuses new deliveries as a database failing over does: the second
    // decision keeps waiting for the database.
    await db.pool.query(`
      create function refuse_deliveries() returns trigger language plpgsql as $$
      begin raise exception 'failing over' using errcode = '40001'; end $$;
      create trigger refuse_deliveries before insert on deliveries for each row execute function refuse_deliveries();`);
    realtime.emitChange({ table: 'weddings', type: 'INSERT', record: { id: 'w-2' } });
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${await worker!.healthPort()}/readyz`).then((r) => r.json() as Promise<{ components: Record<string, { state?: string }> }>)).components.database?.state === 'unreachable',
      { what: 'the second decision to be waiting for the database' },
    );

    const { exit, ms } = await stopWith('SIGTERM');

    // Interrupted at the deadline, so not clean; left in the queue for the next process.
    expect(exit).toEqual({ code: 1, signal: null });
    expect(ms).toBeLessThan(shutdownTimeoutMs + STOP_MARGIN_MS);
    const lines = worker.lines();
    expect(lines.find((l) => l.msg === 'change not decided; catch-up will bring it back')).toBeDefined();
    expect(lines.find((l) => l.msg === 'stopped')).toMatchObject({ undelivered: 1, clean: false });
    expect(messages()).not.toContain('stop overran its deadline; exiting');
  }, 120_000);
});
