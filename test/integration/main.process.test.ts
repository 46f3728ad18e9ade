import { afterEach, describe, expect, it } from '@jest/globals';
import { startFakeRealtime, type FakeRealtime } from '../support/realtime-server';
import { spawnWorker, type WorkerProcess } from '../support/spawn-worker';
import { TEST_SECRET, TEST_SERVICE_KEY } from '../support/test-config';
import { waitFor } from '../support/wait-for';
import { WebhookReceiver } from '../support/webhook-receiver';

let realtime: FakeRealtime | undefined;
let receiver: WebhookReceiver | undefined;
let worker: WorkerProcess | undefined;

afterEach(async () => {
  if (worker && worker.child.exitCode === null && worker.child.signalCode === null) {
    worker.child.kill('SIGKILL');
    await worker.exited;
  }
  await Promise.all([realtime?.close(), receiver?.close()]);
  worker = realtime = receiver = undefined;
});

async function startWorker(shutdownTimeoutMs: number): Promise<{ port: number }> {
  realtime = await startFakeRealtime({ timing: 'fast' });
  receiver = await new WebhookReceiver().start();
  worker = spawnWorker({
    env: {
      SUPABASE_URL: realtime.url,
      SUPABASE_SERVICE_ROLE_KEY: TEST_SERVICE_KEY,
      PARTNER_CRM_SECRET: TEST_SECRET,
      SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
    },
    configFile: {
      subscriptions: [{ name: 'weddings', table: 'weddings' }],
      webhookEndpoints: [{ name: 'partner-crm', url: `${receiver.url}/hook`, secretEnv: 'PARTNER_CRM_SECRET', timeoutMs: 60_000 }],
      rules: [{ name: 'all', match: { table: 'weddings' }, audiences: [{ type: 'endpoint', name: 'partner-crm' }] }],
      partnerWebhooks: { allowAddresses: ['127.0.0.1'] },
    },
  });
  const port = await worker.healthPort();
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, { what: 'ready', timeoutMs: 15_000 });
  return { port };
}

describe('the worker process', () => {
  it('on SIGTERM turns not-ready, finishes the in-flight delivery, and exits 0', async () => {
    const { port } = await startWorker(10_000);
    receiver!.setDefault({ status: 200, delayMs: 1_500 });
    realtime!.emitChange({ table: 'weddings', type: 'INSERT', record: { id: 1 } });
    await waitFor(() => receiver!.requests.length === 1, { what: 'the delivery to be in flight' });

    worker!.child.kill('SIGTERM');
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 503, { what: 'not ready while draining' });
    expect((await fetch(`http://127.0.0.1:${port}/livez`)).status).toBe(200);

    expect(await worker!.exited).toEqual({ code: 0, signal: null });
    expect(worker!.lines().find((l) => l.msg === 'delivered')).toMatchObject({ deliveryId: receiver!.requests[0]!.headers['webhook-id'] });
  });

  it('exits 1 at the deadline when a receiver never answers, logging the undelivered id', async () => {
    await startWorker(1_000);
    receiver!.setDefault({ hang: true });
    realtime!.emitChange({ table: 'weddings', type: 'INSERT', record: { id: 2 } });
    await waitFor(() => receiver!.requests.length === 1, { what: 'the delivery to be in flight' });

    worker!.child.kill('SIGTERM');
    // The receiver never answers and no second signal is sent: only the deadline can end it.
    expect((await worker!.exited).code).toBe(1);
    expect(receiver!.requests).toHaveLength(1);
    expect(worker!.lines().find((l) => l.msg === 'shutdown requested; draining')).toMatchObject({ deadlineMs: 1_000 });
    expect(worker!.lines().some((l) => l.msg === 'second signal; forcing stop')).toBe(false);
    const lost = worker!.lines().find((l) => l.msg === 'not delivered: shutdown');
    expect(lost).toMatchObject({ level: 'error', deliveryId: receiver!.requests[0]!.headers['webhook-id'] });
  });

  it('forces the stop on a second signal', async () => {
    await startWorker(60_000);
    receiver!.setDefault({ hang: true });
    realtime!.emitChange({ table: 'weddings', type: 'INSERT', record: { id: 3 } });
    await waitFor(() => receiver!.requests.length === 1, { what: 'the delivery to be in flight' });

    worker!.child.kill('SIGTERM');
    await waitFor(() => worker!.lines().some((l) => l.msg === 'draining'), { what: 'draining' });
    worker!.child.kill('SIGINT');
    expect((await worker!.exited).code).toBe(1);
    expect(worker!.lines().map((l) => l.msg)).toEqual(expect.arrayContaining(['second signal; forcing stop', 'not delivered: shutdown']));
  });

  it('refuses to start on an invalid config, listing every problem and no secret', async () => {
    worker = spawnWorker({
      env: { SUPABASE_URL: 'ws://nowhere', SUPABASE_SERVICE_ROLE_KEY: 'tiny-secret', PARTNER_CRM_SECRET: 'whsec_c2VjcmV0LXZhbHVl', HEALTH_PORT: '70000' },
      configFile: {
        subscriptions: [{ name: 'weddings', table: 'weddings', events: ['UPSERT'] }],
        webhookEndpoints: [{ name: 'partner-crm', url: 'http://127.0.0.1:1/hook', secretEnv: 'PARTNER_CRM_SECRET' }],
        rules: [{ name: 'all', match: { table: 'weddings' }, audiences: [{ type: 'endpoint', name: 'missing' }] }],
      },
    });
    expect((await worker.exited).code).toBe(1);
    const output = worker.output();
    for (const key of ['SUPABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY', 'HEALTH_PORT', 'subscriptions.0.events.0', 'rules.0.audiences.0.name', 'PARTNER_CRM_SECRET']) {
      expect(output).toContain(key);
    }
    expect(output).not.toContain('tiny-secret');
    expect(output).not.toContain('c2VjcmV0LXZhbHVl');
    expect(output).not.toContain('70000');
  });
});
