import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Pool } from 'pg';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { migrate } from '../../src/db/migrate';
import { seedDemo } from '../../src/db/seed';
import { createLogger } from '../../src/lib/logger';
import { startFakeRealtime } from '../../test/support/realtime-server';
import { waitFor } from '../../test/support/wait-for';
import { demoDatabase } from './database';
import { DemoSetupError } from './postgres-binaries';
import { narrator } from './narrator';
import { startSandboxes } from './sandboxes';
import { smsBeforeAfter } from './sms-before-after';
import { planSettingsFrom } from '../../src/decide/plan';
import { channelKinds } from '../../src/vocabulary';
import { WEDDING_DAY, wireSeedToSandboxes } from './scenario';
import { connectDemoCrm, CRM_RULE, describeCrm } from './crm';

// `npm run demo`: the real worker, on the shipped rules (config/worker.example.json), against a
// PostgreSQL (DATABASE_URL, or an embedded one), a loopback Realtime server that follows the
// database's change outbox, and sandboxes for every provider. Nothing leaves 127.0.0.1.
// `--once` exits after the scenario (the tests use it); otherwise it stays up until Ctrl-C.

const once = process.argv.includes('--once');
const say = (line: string) => process.stdout.write(`${line}\n`);
const DEMO_SECRET = `whsec_${Buffer.from('wedsync-demo-secret-not-for-production!').toString('base64')}`;

// What has been started, in order; stopped in reverse, so the worker drains before its database goes.
const started: Array<() => Promise<unknown>> = [];
let stopping: Promise<void> | undefined;
let workerClean = true;
let failed = false;

/** One stop, however many signals: Ctrl-C reaches the whole process group, and npm relays it again. */
function stop(): Promise<void> {
  return (stopping ??= (async () => {
    // Stopping in the middle of the start leaves its connections to fail as the database goes.
    process.on('uncaughtException', () => undefined);
    // A second Ctrl-C cannot mean "force" here (npm relays the first one again): a deadline does.
    setTimeout(() => {
      say('demo stop took longer than 30 s; forcing it (exit 1)');
      process.exit(1);
    }, 30_000).unref();
    for (const close of started.reverse()) await close().catch(() => undefined);
    if (failed) say('demo stopped after a failure (exit 1)');
    else say(workerClean ? 'demo stopped cleanly (exit 0)' : 'demo stopped with deliveries interrupted (exit 1)');
    process.exit(!failed && workerClean ? 0 : 1);
  })());
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  say(`runtime  node ${process.version}`);
  const database = await demoDatabase(process.env);
  started.push(() => database.stop());
  say(`database ${database.embedded ? 'embedded PostgreSQL (thrown away at exit)' : 'DATABASE_URL'}`);
  await migrate({ databaseUrl: database.url });
  const pool = new Pool({ connectionString: database.url, max: 10 });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  started.push(() => pool.end());
  await seedDemo(pool);

  const sandboxes = await startSandboxes();
  started.push(() => sandboxes.close());
  await wireSeedToSandboxes(pool, { partner: `${sandboxes.partner.url}/partner`, slackA: sandboxes.slack.hookUrl(), teamsB: sandboxes.teams.hookUrl() });
  const { connectionKeys } = await connectDemoCrm(pool, sandboxes.vsco);
  const realtime = await startFakeRealtime();
  started.push(() => realtime.close());
  const follower = await realtime.followDatabase(pool, { schema: 'public' });
  started.push(() => follower.stop());

  const example = JSON.parse(readFileSync(resolve(__dirname, '../../config/worker.example.json'), 'utf8')) as Record<string, unknown>;
  const config = loadConfig({
    env: {
      SUPABASE_URL: realtime.url,
      SUPABASE_SERVICE_ROLE_KEY: 'demo-service-role-key-0000000000',
      DATABASE_URL: database.url,
      HEALTH_HOST: '127.0.0.1',
      HEALTH_PORT: process.env.HEALTH_PORT ?? '8080',
      SHUTDOWN_TIMEOUT_MS: '5000',
      LOG_LEVEL: 'info',
      CONFIG_FILE: 'config/worker.example.json',
      WEBHOOK_SECRET_OPS_ARCHIVE: DEMO_SECRET,
      RESEND_API_KEY: sandboxes.resend.apiKey,
      EMAIL_FROM: 'WedSync <notify@wedsync.example>',
      RESEND_BASE_URL: sandboxes.resend.url,
      TWILIO_ACCOUNT_SID: sandboxes.twilio.accountSid,
      TWILIO_AUTH_TOKEN: sandboxes.twilio.authToken,
      TWILIO_FROM: '+14155550199',
      TWILIO_BASE_URL: sandboxes.twilio.url,
      CONNECTION_KEYS: connectionKeys,
      VSCO_WORKSPACE_BASE_URL: sandboxes.vsco.apiUrl,
    },
    readFile: () =>
      JSON.stringify({
        ...example,
        rules: [...(example.rules as unknown[]), CRM_RULE],
        webhookEndpoints: [{ name: 'ops-archive', url: `${sandboxes.partner.url}/archive`, secretEnv: 'WEBHOOK_SECRET_OPS_ARCHIVE' }],
        partnerWebhooks: { allowAddresses: ['127.0.0.1'] },
        // Sandboxes answer at once: no need to pace them like the real providers.
        limits: { ...(example.limits as object), email: { max: 50, perMs: 1_000 }, sms: { max: 50, perMs: 1_000 } },
        intake: { ...(example.intake as object), heartbeatIntervalMs: 5_000 },
      }),
  });
  const narration = narrator(say);
  const app = createApp({ config, logger: createLogger({ level: 'info', destination: narration.stream }), pool });
  started.push(async () => ({ clean: workerClean } = await app.stop()));
  const { healthPort } = await app.start();
  say(`status   http://127.0.0.1:${healthPort}/status   (also /readyz, /metrics)`);
  await waitFor(() => app.readiness().status !== 'not_ready', { timeoutMs: 30_000, what: 'the worker to be ready' });

  const { rows: [seeded] } = await pool.query<{ last: string }>(`select coalesce(max(id), 0)::text as last from change_outbox`);
  for (const step of WEDDING_DAY) {
    say(`\nscenario ${step.title}`);
    const handledBefore = narration.handled();
    await pool.query(step.sql, step.values);
    // One step at a time, so the story reads in order: its change decided, its due deliveries done.
    await waitFor(() => narration.handled() > handledBefore, { timeoutMs: 30_000, what: 'the change to be decided' });
    await waitFor(async () => (await dueDeliveries(pool)) === 0, { timeoutMs: 30_000, intervalMs: 100, what: 'its deliveries' });
  }

  const { rows } = await pool.query<{ channel: string; status: string; n: number }>(
    `select channel, status, count(*)::int as n from deliveries group by channel, status order by channel, status`,
  );
  say(`\nledger   ${rows.map((r) => `${r.channel}/${r.status}: ${r.n}`).join(', ')}`);
  say(`sandbox  ${Object.entries(sandboxes.counts()).map(([k, v]) => `${k}: ${v}`).join(', ')}`);
  say(`crm      ${describeCrm(sandboxes.vsco)}`);
  const sms = await smsBeforeAfter(pool, config.worker, planSettingsFrom(config.worker, new Set(channelKinds)), seeded!.last);
  say(`sms      the day plans ${sms.after} SMS; ${sms.before} when every change on the wedding day was critical`);
  say(once ? 'scenario done' : 'scenario done; the status page stays up until Ctrl-C');

  if (once) await stop();
}

/** Deliveries due now (deferred ones, e.g. for quiet hours, are not). */
async function dueDeliveries(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`select count(*)::int as n from deliveries where status = 'pending' and next_attempt_at <= now() + interval '2 seconds'`);
  return rows[0]!.n;
}

main().catch((error: unknown) => {
  if (stopping) return; // Ctrl-C during the start: what failed was cut off on purpose.
  const detail = error instanceof DemoSetupError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`demo failed: ${detail}\n`);
  failed = true;
  void stop();
});
