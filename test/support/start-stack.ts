import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Pool } from 'pg';
import { createApp, type App } from '../../src/app';
import { loadConfig, type Config } from '../../src/config/load-config';
import { ResendFake } from './fakes/resend-fake';
import { SlackFake } from './fakes/slack-fake';
import { TeamsFake } from './fakes/teams-fake';
import { TwilioFake } from './fakes/twilio-fake';
import { memoryLogger, type LogLine } from './memory-log';
import { startFakeRealtime, type FakeRealtime, type Timing } from './realtime-server';
import { fastRealtimeClient } from './start-app';
import { TEST_SECRET, TEST_SERVICE_KEY } from './test-config';
import { createTestSchema, type TestSchema } from './test-db';
import { waitFor } from './wait-for';
import { WebhookReceiver } from './webhook-receiver';

/** Every peer of the worker on loopback, a migrated schema of its own, and the shipped rules. */
export interface Stack {
  readonly app: App;
  readonly config: Config;
  readonly db: TestSchema;
  readonly realtime: FakeRealtime;
  readonly receiver: WebhookReceiver;
  readonly resend: ResendFake;
  readonly twilio: TwilioFake;
  readonly slack: SlackFake;
  readonly teams: TeamsFake;
  readonly lines: LogLine[];
  /** The first replica's /livez, /readyz, /metrics, /status. */
  readonly healthUrl: string;
  /** Another worker process's worth: its own app and pool, the same database, queue and peers. */
  addReplica(): Promise<{ app: App; lines: LogLine[]; healthUrl: string }>;
  /** Changes decided (or dead-lettered) by the first replica so far: a per-test baseline for settled(). */
  decidedCount(): number;
  /**
   * Waits until `decisions` changes have been decided (or dead-lettered) since the baseline
   * `since` (a decidedCount(); default: the start), then until the worker is idle.
   */
  settled(decisions: number, since?: number): Promise<void>;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Merged over config/worker.example.json (per top-level key); escalation policies are off unless given here. */
  readonly worker?: Record<string, unknown>;
  readonly env?: Record<string, string>;
  readonly now?: () => number;
  /** The loopback Realtime's timings: `fast` unless a test is about production's delays. */
  readonly realtimeTiming?: Timing;
  /** The rate limit of the ops-archive file endpoint (default: effectively none). */
  readonly archiveRateLimit?: { max: number; perMs: number; maxConcurrent: number };
}

const DECIDED = new Set(['change decided', 'no rule matched', 'change not decidable: context missing']);

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const [db, realtime, receiver, resend, twilio, slack, teams] = await Promise.all([
    createTestSchema('stack'),
    startFakeRealtime({ timing: options.realtimeTiming ?? 'fast' }),
    new WebhookReceiver().start(),
    new ResendFake().start(),
    new TwilioFake().start(),
    new SlackFake().start(),
    new TeamsFake().start(),
  ]);
  const example = JSON.parse(readFileSync(resolve(__dirname, '../../config/worker.example.json'), 'utf8')) as Record<string, unknown>;
  const file = {
    ...example,
    // Decisions are what these tests are about: changes are pushed per table (postgres_changes).
    subscriptions: (example.subscriptions as { mode?: string }[]).map((subscription) => ({ ...subscription, mode: 'table' })),
    webhookEndpoints: [
      { name: 'ops-archive', url: `${receiver.url}/archive`, secretEnv: 'ARCHIVE_SECRET', timeoutMs: 2_000, rateLimit: options.archiveRateLimit ?? { max: 100_000, perMs: 1_000, maxConcurrent: 32 } },
    ],
    intake: { heartbeatIntervalMs: 250, joinTimeoutMs: 500, liveTimeoutMs: 5_000, rebuildDelaysMs: [50, 100, 200] },
    partnerWebhooks: { allowAddresses: ['127.0.0.1'] },
    endpointHealth: { failureThreshold: 5, openForMs: 300 },
    retry: {
      attempts: 2,
      minDelayMs: 20,
      maxDelayMs: 100,
      factor: 2,
      maxRetryAfterMs: 2_000,
      schedule: { critical: [100, 200], high: [100, 200], normal: [100, 200], low: [100, 200] },
      jitter: 0,
    },
    limits: { email: { max: 100, perMs: 1_000 }, sms: { max: 100, perMs: 1_000 }, slack: { max: 100, perMs: 1_000 }, teams: { max: 100, perMs: 1_000 } },
    // No escalation timers unless a test asks for the shipped policy (`worker: { escalation }`):
    // many stacks run a clock shifted from real time (noon in New York, say), and a timer armed by
    // that clock can be due at once, texting staff again in the middle of another test's counts.
    escalation: { ...(example.escalation as object), policies: [] },
    ...options.worker,
    // Every stack gets a graphile-worker schema of its own, whatever else the test tunes.
    queue: { pollIntervalMs: 100, ...(options.worker?.queue as object | undefined), schema: `${db.schema}_gw` },
  };
  const config = loadConfig({
    env: {
      SUPABASE_URL: realtime.url,
      SUPABASE_SERVICE_ROLE_KEY: TEST_SERVICE_KEY,
      DATABASE_URL: db.databaseUrl,
      HEALTH_HOST: '127.0.0.1',
      HEALTH_PORT: '0',
      SHUTDOWN_TIMEOUT_MS: '3000',
      CONFIG_FILE: 'stack.json',
      ARCHIVE_SECRET: TEST_SECRET,
      RESEND_API_KEY: resend.apiKey,
      EMAIL_FROM: 'WedSync <notify@wedsync.test>',
      RESEND_BASE_URL: resend.url,
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: '+14155550199',
      TWILIO_BASE_URL: twilio.url,
      ...options.env,
    },
    readFile: () => JSON.stringify(file),
  });
  const replicas: App[] = [];
  const startApp = async () => {
    const { logger, lines } = memoryLogger();
    const pool = new Pool({ connectionString: db.databaseUrl, max: 10 });
    pool.on('error', () => undefined);
    const app = createApp({ config, logger, pool, connectRealtime: fastRealtimeClient(config), ...(options.now ? { now: options.now } : {}) });
    replicas.push(app);
    pools.push(pool);
    const { healthPort } = await app.start();
    await realtime.waitFor(() => app.readiness().status !== 'not_ready', { timeoutMs: 10_000 });
    return { app, lines, healthUrl: `http://127.0.0.1:${healthPort}` };
  };
  const pools: Pool[] = [];
  const { app, lines, healthUrl } = await startApp();
  return {
    app,
    config,
    db,
    realtime,
    receiver,
    resend,
    twilio,
    slack,
    teams,
    lines,
    healthUrl,
    addReplica: startApp,
    decidedCount: () => lines.filter((l) => DECIDED.has(l.msg)).length,
    async settled(decisions, since = 0) {
      const done = () => lines.filter((l) => DECIDED.has(l.msg)).length - since;
      await waitFor(() => done() >= decisions, { what: `${decisions} decided changes` });
      await waitFor(async () => (await app.busy()) === 0, { what: 'the worker to be idle' });
    },
    async close() {
      await Promise.all(replicas.map((replica) => replica.stop()));
      await Promise.all(pools.map((pool) => pool.end()));
      await Promise.all([realtime.close(), receiver.close(), resend.close(), twilio.close(), slack.close(), teams.close()]);
      await db.pool.query(`drop schema if exists "${db.schema}_gw" cascade`);
      await db.drop();
    },
  };
}
