import { Writable } from 'node:stream';
import { Webhook } from 'standardwebhooks';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config/load-config';
import { createLogger } from '../src/lib/logger';
import { startFakeRealtime } from '../test/support/realtime-server';
import { WebhookReceiver } from '../test/support/webhook-receiver';

// The demo: the real worker against a loopback Realtime server and a sandbox partner that checks
// signatures. Nothing leaves 127.0.0.1. `--once` exits after the scenario (used by the tests).

const SECRET = `whsec_${Buffer.from('wedsync-demo-secret-not-for-production!').toString('base64')}`;
const once = process.argv.includes('--once');
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const realtime = await startFakeRealtime();
  const partner = await new WebhookReceiver().start();
  partner.respondWith({ status: 503 }); // the first delivery meets a blip, to show a retry
  const config = loadConfig({
    env: {
      SUPABASE_URL: realtime.url,
      SUPABASE_SERVICE_ROLE_KEY: 'demo-service-role-key-0000000000',
      HEALTH_HOST: '127.0.0.1',
      HEALTH_PORT: process.env.HEALTH_PORT ?? '8080',
      LOG_LEVEL: 'info',
      CONFIG_FILE: 'demo.json',
      DEMO_PARTNER_SECRET: SECRET,
    },
    readFile: () =>
      JSON.stringify({
        subscriptions: [{ name: 'weddings', table: 'weddings' }],
        webhookEndpoints: [{ name: 'photo-crm', url: `${partner.url}/hooks/wedsync`, secretEnv: 'DEMO_PARTNER_SECRET' }],
        rules: [
          { name: 'weddings-to-crm', match: { table: 'weddings' }, audiences: [{ type: 'endpoint', name: 'photo-crm' }] },
          {
            name: 'date-moved',
            priority: 'high',
            match: { table: 'weddings', events: ['UPDATE'], changedColumns: ['wedding_date'] },
            audiences: [{ type: 'endpoint', name: 'photo-crm' }],
          },
        ],
        retry: { attempts: 4, minDelayMs: 200, maxDelayMs: 2000 },
        partnerWebhooks: { allowAddresses: ['127.0.0.1'] },
      }),
  });
  const app = createApp({ config, logger: createLogger({ level: 'info', destination: readableLog() }) });
  const { healthPort } = await app.start();
  say(`worker up: http://127.0.0.1:${healthPort}/readyz  /metrics`);
  await realtime.waitForLive(undefined, { timeoutMs: 15_000 });

  const verifier = new Webhook(SECRET);
  const scenario = [
    { type: 'INSERT' as const, record: { id: 101, couple: 'Ana & Bo', wedding_date: '2026-12-12', status: 'planned' } },
    {
      type: 'UPDATE' as const,
      record: { id: 101, couple: 'Ana & Bo', wedding_date: '2026-12-19', status: 'planned' },
      oldRecord: { id: 101, couple: 'Ana & Bo', wedding_date: '2026-12-12', status: 'planned' },
    },
    { type: 'DELETE' as const, oldRecord: { id: 77 } },
  ];
  for (const change of scenario) {
    say(`change   weddings ${change.type} id=${(change.record ?? change.oldRecord).id}`);
    realtime.emitChange({ table: 'weddings', ...change });
  }
  await realtime.waitFor(() => partner.requests.filter((r) => r.headers['webhook-id']).length >= 4, { timeoutMs: 20_000 });
  for (const request of partner.requests) {
    const body = verifier.verify(request.body, request.headers as Record<string, string>) as { type: string; data: { priority: { level: string } } };
    say(`partner  received ${body.type} (${body.data.priority.level}) id=${String(request.headers['webhook-id'])} signature ok`);
  }
  say(once ? 'scenario done' : 'scenario done; Ctrl-C to stop');

  const stop = async () => {
    const { clean } = await app.stop();
    await Promise.all([realtime.close(), partner.close()]);
    process.exit(clean ? 0 : 1);
  };
  if (once) await stop();
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

/** Prints the worker's JSON log as one short readable line each. */
function readableLog(): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        const l = JSON.parse(line) as Record<string, unknown>;
        const fields = ['subscription', 'deliveryId', 'attempt', 'status', 'reason'].filter((k) => l[k] !== undefined);
        say(`worker   ${String(l.level).padEnd(5)} ${String(l.msg)} ${fields.map((k) => `${k}=${String(l[k])}`).join(' ')}`);
      }
      done();
    },
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
