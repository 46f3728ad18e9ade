import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIntake, type RunningIntake } from '../support/intake-harness';
import { startFakeRealtime, type FakeRealtime } from '../support/realtime-server';
import { createTestSchema, type TestSchema } from '../support/test-db';
import { waitFor } from '../support/wait-for';

let db: TestSchema;
let realtime: FakeRealtime;
let intake: RunningIntake;

beforeAll(async () => {
  db = await createTestSchema('ready');
  realtime = await startFakeRealtime({ timing: 'fast' });
});
afterAll(async () => {
  await intake?.stop();
  await realtime.close();
  await db.drop();
});

describe('a subscription that cannot get live', () => {
  it('turns not ready once refused for longer than its grace, with the reason, and ready when it recovers', async () => {
    const GRACE = 800;
    intake = await startIntake({ realtime, db, subscriptions: [{ name: 'weddings', schema: db.schema, table: 'weddings', notLiveGraceMs: GRACE }] });
    await intake.untilLive();
    expect(intake.verdict('weddings')).toEqual({ ready: true, state: 'live', reason: null });

    realtime.knobs.refuseJoins = Infinity;
    realtime.dropSockets({ mode: 'terminate' });
    // The grace is judged on a clock the test holds: just inside it, then at it.
    const since = await waitFor(() => intake.lag('weddings').notLiveSinceMs, { what: 'the stream to lose live' });
    await waitFor(() => intake.intake.statuses().find((st) => st.name === 'weddings')?.reason?.includes('RealtimeRestarting'), { what: 'the refusal' });
    expect(intake.verdict('weddings', since + GRACE - 100)).toEqual({
      ready: true,
      state: 'degraded',
      reason: expect.stringMatching(/^not live for 0\.7 s \(allowed 0\.8 s\): RealtimeRestarting: Realtime is restarting/),
    });
    const notReady = intake.verdict('weddings', since + GRACE);
    expect(notReady.ready).toBe(false);
    expect(notReady.reason).toMatch(/^not live for 0\.8 s \(limit 0\.8 s\): RealtimeRestarting: Realtime is restarting/);
    expect(realtime.knobs.refuseJoins).toBe(Infinity);

    realtime.knobs.refuseJoins = 0;
    await waitFor(() => intake.verdict('weddings').ready && intake.verdict('weddings').state === 'live', { what: 'ready again' });
    expect(intake.lag('weddings').notLiveSinceMs).toBeNull();
  });
});
