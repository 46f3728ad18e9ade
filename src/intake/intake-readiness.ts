import type { ComponentHealth } from '../lib/health-report';
import type { StreamLag } from './stream-runner';
import type { SubscriptionStatus } from './subscription-tracker';

export interface IntakeVerdict {
  readonly ready: boolean;
  /** `live`, `degraded` (not live, within its grace), or the subscription's own state. */
  readonly state: string;
  readonly reason: string | null;
}

/**
 * The readiness rule for one stream. Live: ready. Never live since start: not ready (nothing
 * has been heard yet). Live before and lost for less than its grace: ready but degraded, so a
 * reconnect does not flap /readyz. Lost for the grace or longer: not ready, with how long and
 * why. A grace of 0 is the old rule: not ready the moment it is not live. Live but leaving its
 * changes to catch-up because deciding is behind (live-shedding.ts): ready, degraded. Pure.
 */
export function judgeIntake(lag: StreamLag, status: Pick<SubscriptionStatus, 'state' | 'reason'> | undefined, nowMs: number): IntakeVerdict {
  if (lag.live && lag.shedding) {
    // Working, and losing nothing, but behind: worth a look, not a restart.
    const { sinceMs, shed } = lag.shedding;
    const forS = ((nowMs - sinceMs) / 1000).toFixed(1);
    return { ready: true, state: 'degraded', reason: `deciding is behind: for ${forS} s live changes are read back from the database by catch-up (${shed} so far)` };
  }
  if (lag.live) return { ready: true, state: 'live', reason: null };
  const state = status?.state ?? 'joining';
  const why = status?.state === 'live' ? 'live, but its catch-up cursor is not saved yet' : (status?.reason ?? 'not live');
  if (!lag.everLive || lag.notLiveGraceMs === 0) return { ready: false, state, reason: why };
  const outMs = nowMs - (lag.notLiveSinceMs ?? nowMs);
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  if (outMs < lag.notLiveGraceMs) {
    return { ready: true, state: 'degraded', reason: `not live for ${seconds(outMs)} (allowed ${seconds(lag.notLiveGraceMs)}): ${why}` };
  }
  return { ready: false, state, reason: `not live for ${seconds(outMs)} (limit ${seconds(lag.notLiveGraceMs)}): ${why}` };
}

/**
 * The /readyz entries of the intake, one `subscription:<stream>` per stream, with the fields
 * readinessReport() gives today plus the lag: a drop-in for its subscription loop.
 */
export function intakeHealth(
  lags: readonly StreamLag[],
  statuses: readonly SubscriptionStatus[],
  nowMs: number,
  /**
   * With leases: streams another replica holds are ready (standing by is no fault); those whose
   * lease is not settled yet (before the first heart-beat, or held and starting) are not.
   */
  leases: { readonly standby: readonly string[]; readonly pending: readonly string[]; readonly everyReplica?: readonly string[] } | null = null,
): Record<string, ComponentHealth> {
  const byName = new Map(statuses.map((s) => [s.name, s]));
  const components: Record<string, ComponentHealth> = {};
  for (const name of leases?.standby ?? []) {
    components[`subscription:${name}`] = { ready: true, state: 'standby', reason: 'another replica holds this stream; this one takes it over if that one stops', lease: 'standby' };
  }
  for (const name of leases?.pending ?? []) {
    components[`subscription:${name}`] = { ready: false, state: 'joining', reason: 'waiting for its lease to settle', lease: 'pending' };
  }
  for (const lag of lags) {
    const status = byName.get(lag.name);
    const verdict = judgeIntake(lag, status, nowMs);
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    components[`subscription:${lag.name}`] = {
      ...verdict,
      ...(leases ? { lease: leases.everyReplica?.includes(lag.name) ? 'every replica' : 'held' } : {}),
      mode: lag.mode,
      table: status?.table,
      subscriptions: lag.subscriptions,
      since: status ? iso(status.sinceMs) : null,
      lastChangeAt: iso(status?.lastChangeAtMs ?? null),
      notLiveSince: iso(lag.notLiveSinceMs),
      newestChangeAt: iso(lag.newestChangeAtMs),
      newestChangeAgeMs: lag.newestChangeAtMs === null ? null : Math.max(0, nowMs - lag.newestChangeAtMs),
      catchingUp: lag.catchingUp,
      shedding: lag.shedding && { since: iso(lag.shedding.sinceMs), shed: lag.shedding.shed },
      lastCatchUp: lag.lastCatchUp && {
        recovered: lag.lastCatchUp.recovered,
        ms: lag.lastCatchUp.ms,
        at: iso(lag.lastCatchUp.finishedAtMs),
        toCursor: lag.lastCatchUp.toCursor,
      },
      lastCatchUpError: lag.lastCatchUpError,
    };
  }
  return components;
}
