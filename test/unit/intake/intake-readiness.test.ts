import { describe, expect, it } from '@jest/globals';
import { intakeHealth, judgeIntake } from '../../../src/intake/intake-readiness';
import type { StreamLag } from '../../../src/intake/stream-runner';
import type { SubscriptionStatus } from '../../../src/intake/subscription-tracker';

const T0 = Date.parse('2026-06-12T10:00:00Z');

function lag(over: Partial<StreamLag> = {}): StreamLag {
  return {
    name: 'weddings',
    mode: 'table',
    subscriptions: ['weddings'],
    live: false,
    everLive: true,
    notLiveSinceMs: T0,
    notLiveGraceMs: 30_000,
    newestChangeAtMs: null,
    newestHandedAtMs: null,
    catchingUp: false,
    lastCatchUp: null,
    lastCatchUpError: null,
    shedding: null,
    ...over,
  };
}

const refused = { state: 'errored' as const, reason: 'RealtimeRestarting: Realtime is restarting, please standby' };

describe('judgeIntake', () => {
  it('is ready while live', () => {
    expect(judgeIntake(lag({ live: true, notLiveSinceMs: null }), { state: 'live', reason: null }, T0)).toEqual({ ready: true, state: 'live', reason: null });
  });

  it('stays ready, degraded, while not live for less than the grace', () => {
    const verdict = judgeIntake(lag(), refused, T0 + 29_999);
    expect(verdict.ready).toBe(true);
    expect(verdict.state).toBe('degraded');
    expect(verdict.reason).toContain('RealtimeRestarting');
  });

  it('turns not ready with how long and why once the grace is spent', () => {
    expect(judgeIntake(lag(), refused, T0 + 30_000)).toEqual({
      ready: false,
      state: 'errored',
      reason: 'not live for 30.0 s (limit 30.0 s): RealtimeRestarting: Realtime is restarting, please standby',
    });
  });

  it('is not ready before it was ever live, whatever the grace', () => {
    expect(judgeIntake(lag({ everLive: false }), { state: 'subscribed', reason: 'joined; waiting for "Subscribed to PostgreSQL"' }, T0 + 1)).toEqual({
      ready: false,
      state: 'subscribed',
      reason: 'joined; waiting for "Subscribed to PostgreSQL"',
    });
  });

  it('keeps the old rule with a grace of 0: not ready at once, with the plain reason', () => {
    expect(judgeIntake(lag({ notLiveGraceMs: 0 }), refused, T0)).toEqual({ ready: false, state: 'errored', reason: refused.reason });
  });
});

describe('intakeHealth', () => {
  it('gives one /readyz component per stream, with its lag', () => {
    const status: SubscriptionStatus = { name: 'weddings', table: 'public.weddings', state: 'live', reason: null, sinceMs: T0, lastChangeAtMs: T0 + 5, generation: 1 };
    const report = { subscription: 'weddings', recovered: 3, read: 4, fromCursor: 'a', toCursor: 'b', ms: 12, interrupted: false, finishedAtMs: T0 + 9 };
    const components = intakeHealth([lag({ live: true, notLiveSinceMs: null, newestChangeAtMs: T0, lastCatchUp: report })], [status], T0 + 60_000);
    expect(components['subscription:weddings']).toMatchObject({
      ready: true,
      state: 'live',
      reason: null,
      table: 'public.weddings',
      newestChangeAgeMs: 60_000,
      lastCatchUp: { recovered: 3, ms: 12, toCursor: 'b' },
      notLiveSince: null,
    });
  });

  it('with leases: a stream held elsewhere is ready (standing by), one not settled yet is not, a held one is judged as ever', () => {
    const components = intakeHealth([lag({ live: true, notLiveSinceMs: null })], [], T0, { standby: ['payments'], pending: ['clients'] });
    expect(components['subscription:weddings']).toMatchObject({ ready: true, state: 'live', lease: 'held' });
    expect(components['subscription:payments']).toMatchObject({ ready: true, state: 'standby', lease: 'standby' });
    expect(components['subscription:clients']).toMatchObject({ ready: false, lease: 'pending' });
    // A stream without catch-up is run by every replica (it cannot change hands without a gap).
    const shared = intakeHealth([lag({ live: true, notLiveSinceMs: null })], [], T0, { standby: [], pending: [], everyReplica: ['weddings'] });
    expect(shared['subscription:weddings']).toMatchObject({ ready: true, lease: 'every replica' });
    // Without leases nothing changes: no lease field.
    expect(intakeHealth([lag({ live: true, notLiveSinceMs: null })], [], T0)['subscription:weddings']).not.toHaveProperty('lease');
  });
});
