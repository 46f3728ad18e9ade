import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NotificationContent } from '../../src/channels/messages';
import { createAckStand, PHONES, POLICY, type AckStand } from '../support/ack-stand';
import { TwilioFake } from '../support/fakes/twilio-fake';
import { startFakeRealtime, type FakeRealtime } from '../support/realtime-server';
import { killWorkers, spawnWorker, type WorkerProcess } from '../support/spawn-worker';
import { TEST_SERVICE_KEY } from '../support/test-config';
import { waitFor } from '../support/wait-for';

let stand: AckStand;
let realtime: FakeRealtime;
let twilio: TwilioFake;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  [stand, realtime, twilio] = await Promise.all([createAckStand('escrash'), startFakeRealtime({ timing: 'fast' }), new TwilioFake().start()]);
});
afterAll(async () => {
  await killWorkers(workers);
  await Promise.all([realtime.close(), twilio.close()]);
  await stand.close();
});

function startWorker(): WorkerProcess {
  const worker = spawnWorker({
    env: {
      SUPABASE_URL: realtime.url,
      SUPABASE_SERVICE_ROLE_KEY: TEST_SERVICE_KEY,
      DATABASE_URL: stand.db.databaseUrl,
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: '+14155550100',
      TWILIO_BASE_URL: twilio.url,
      LOG_LEVEL: 'info',
    },
    configFile: {
      subscriptions: [{ name: 'weddings', table: 'weddings', weddingIdColumn: 'id' }],
      queue: { schema: stand.gwSchema, concurrency: 4, pollIntervalMs: 100, heartbeatMs: 250, deadWorkerAfterMs: 2_000 },
      escalation: POLICY,
    },
  });
  workers.push(worker);
  return worker;
}

const escalation = async (eventId: string) =>
  (await stand.db.pool.query<{ tier: number; state: string; updated_at: Date }>(`select tier, state, updated_at from escalations where event_id = $1`, [eventId])).rows[0]!;

describe('an escalation pending when its worker is killed', () => {
  it('fires after the restart, on time and once, with two replicas running', async () => {
    const first = startWorker();
    await first.healthPort();
    const e = await stand.criticalEvent();
    const dueAtMs = Date.now() + 3_000;
    await stand.escalations.track(stand.db.pool, {
      eventId: e.eventId,
      organizationId: stand.organizationId,
      weddingId: stand.weddingId,
      kind: 'wedding.emergency',
      priority: 'critical',
      policy: 'critical',
      content: (e.sms.message as { content: NotificationContent }).content,
      dueAtMs,
      nowMs: Date.now(),
    });
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect((await escalation(e.eventId)).tier).toBe(0);

    const replicas = [startWorker(), startWorker()];
    await Promise.all(replicas.map((r) => r.healthPort()));
    const toPlanner = () => twilio.accepted.filter((m) => m.to === PHONES.planner);
    const sms = await waitFor(() => (toPlanner().length === 1 ? toPlanner() : null), { timeoutMs: 60_000, what: 'the planner texted' });
    const fired = await escalation(e.eventId);
    expect(fired.tier).toBe(1);
    expect(fired.updated_at.getTime()).toBeGreaterThanOrEqual(dueAtMs - 1_000); // the database's clock, not before it was due
    expect(sms[0]!.body).toContain('Wedding date changed');
    // Once: one ledger row for the tier, delivered; the owner's tier waits its 30 minutes.
    await waitFor(async () => (await stand.count(`select 1 from deliveries where event_id = $1 and recipient = $2 and status = 'delivered'`, [e.eventId, `staff:${stand.plannerId}`])) === 1, { what: 'the tier delivery marked delivered' });
    expect(await stand.count(`select 1 from deliveries where event_id = $1 and payload->'log'->>'rule' = 'escalation:critical'`, [e.eventId])).toBe(1);
    expect(twilio.accepted.filter((m) => m.to === PHONES.owner)).toHaveLength(0);
    for (const r of replicas) r.child.kill('SIGTERM');
    for (const r of replicas) expect((await r.exited).code).toBe(0);
    expect(twilio.accepted.filter((m) => m.to === PHONES.planner)).toHaveLength(1);
  }, 150_000);
});
