import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { IntakeVerdict } from '../../src/intake/intake-readiness';
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
    const seen: IntakeVerdict[] = [];
    const notReady = await waitFor(
      () => {
        const verdict = intake.verdict('weddings');
        seen.push(verdict);
        return verdict.ready ? null : verdict;
      },
      { what: 'not ready' },
    );
    expect(notReady.reason).toMatch(/^not live for \d+\.\d s \(limit 0\.8 s\): RealtimeRestarting: Realtime is restarting/);
    expect(Date.now() - intake.lag('weddings').notLiveSinceMs!).toBeGreaterThanOrEqual(GRACE);
    // Within the grace it was ready, degraded, with the same reason.
    expect(seen.some((v) => v.ready && v.state === 'degraded')).toBe(true);
    expect(realtime.knobs.refuseJoins).toBe(Infinity);

    realtime.knobs.refuseJoins = 0;
    await waitFor(() => intake.verdict('weddings').ready && intake.verdict('weddings').state === 'live', { what: 'ready again' });
    expect(intake.lag('weddings').notLiveSinceMs).toBeNull();
  });
});
