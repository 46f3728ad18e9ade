import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DateTime } from 'luxon';
import { ResendFake } from '../support/fakes/resend-fake';
import { assignVendor, insertOrganization, insertPreferences, insertVendor, insertWedding } from '../support/fixtures';
import { startFakeRealtime, type FakeRealtime } from '../support/realtime-server';
import { killWorkers, spawnWorker, type WorkerProcess } from '../support/spawn-worker';
import { TEST_SERVICE_KEY } from '../support/test-config';
import { createTestSchema, type TestSchema } from '../support/test-db';
import { waitFor } from '../support/wait-for';

// A worker holds five messages for a digest and is killed (kill -9) before the window ends; a
// new worker, started afterwards, sends them as one digest. Nothing held lives in a process.

let db: TestSchema;
let realtime: FakeRealtime;
let resend: ResendFake;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  [db, realtime, resend] = await Promise.all([createTestSchema('digestcrash'), startFakeRealtime({ timing: 'fast' }), new ResendFake().start()]);
});
afterAll(async () => {
  await killWorkers(workers);
  await Promise.all([realtime.close(), resend.close()]);
  await db.pool.query(`drop schema if exists "${db.schema}_gw" cascade`);
  await db.drop();
});

function startWorker(): WorkerProcess {
  const worker = spawnWorker({
    env: {
      SUPABASE_URL: realtime.url,
      SUPABASE_SERVICE_ROLE_KEY: TEST_SERVICE_KEY,
      DATABASE_URL: db.databaseUrl,
      RESEND_API_KEY: resend.apiKey,
      RESEND_BASE_URL: resend.url,
      EMAIL_FROM: 'WedSync <notify@wedsync.test>',
      LOG_LEVEL: 'info',
    },
    configFile: {
      subscriptions: [{ name: 'form-responses', table: 'form_responses', mode: 'table', events: ['INSERT'] }],
      rules: [{ name: 'form-response', match: { table: 'form_responses', events: ['INSERT'] }, kind: 'form.response_received', audiences: [{ type: 'vendor_in_column', column: 'vendor_id' }] }],
      queue: { schema: `${db.schema}_gw`, concurrency: 4, pollIntervalMs: 100, heartbeatMs: 250, deadWorkerAfterMs: 2_000 },
    },
  });
  workers.push(worker);
  return worker;
}

describe('a crash between holding and the digest', () => {
  it('loses nothing: after kill -9 before the window ends, the next worker sends the five held messages as one digest', async () => {
    const pool = db.pool;
    const org = await insertOrganization(pool, { slackWebhookUrl: null });
    const wedding = await insertWedding(pool, { organizationId: org, weddingDate: '2027-06-12', timeZone: 'UTC' });
    const vendor = await insertVendor(pool, { organizationId: org, email: 'crash@digest.test' });
    await assignVendor(pool, { organizationId: org, weddingId: wedding, vendorId: vendor });
    // Quiet hours that end at the next whole minute at least 30 s away: time for the kill and a restart.
    const end = DateTime.utc().plus({ seconds: 30 }).startOf('minute').plus({ minutes: 1 });
    await insertPreferences(pool, { organizationId: org, personKind: 'vendor', personId: vendor, quietHoursStart: end.minus({ hours: 2 }).toFormat('HH:mm'), quietHoursEnd: end.toFormat('HH:mm'), timeZone: 'UTC' });

    const first = startWorker();
    await first.healthPort();
    await waitFor(() => realtime.liveTopics().length === 1, { timeoutMs: 30_000, what: 'the first worker live' });
    for (let i = 0; i < 5; i += 1) realtime.emitChange({ table: 'form_responses', type: 'INSERT', record: { id: `fr-crash-${i}`, organization_id: org, wedding_id: wedding, vendor_id: vendor, form_name: `Form ${i}` } });
    const held = async () => (await pool.query(`select 1 from digest_items where digest_id is null`)).rows.length;
    await waitFor(async () => (await held()) === 5, { timeoutMs: 30_000, what: 'five messages held' });

    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect(DateTime.utc() < end).toBe(true);
    expect(resend.accepted).toEqual([]);

    const second = startWorker();
    await second.healthPort();
    await waitFor(() => resend.accepted.length > 0, { timeoutMs: 120_000, what: 'the digest after the restart' });
    const [email] = resend.accepted;
    expect(email!.subject).toMatch(/: 5 updates while you were away$/);
    expect(email!.text!.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(5);
    await waitFor(async () => (await pool.query(`select 1 from deliveries where status = 'delivered'`)).rows.length === 1, { what: 'the digest marked delivered' });
    expect((await pool.query(`select count(*)::int as n from digest_items where digest_id is null`)).rows[0].n).toBe(0);
    expect(resend.accepted).toHaveLength(1);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 240_000);
});
