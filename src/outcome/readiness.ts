import type { DestinationHealth } from '../deliver/destinations';
import type { RunnerState } from '../deliver/durable/supervised-runner';
import type { DatabaseState } from '../lib/database-health';
import { aggregate, type ComponentHealth, type HealthReport } from '../lib/health-report';

export interface ReadinessSources {
  /** One component per intake stream (subscription:<name>), judged by the intake itself. */
  readonly intake: () => Record<string, ComponentHealth>;
  readonly draining: () => boolean;
  readonly deliveriesInFlight: () => number;
  readonly destinations: DestinationHealth;
  /** Null when the worker runs without a database. */
  readonly database: (() => DatabaseState) | null;
  /** The durable queue's runner; null without a database. */
  readonly queue?: (() => RunnerState) | null;
}

/**
 * /readyz: every subscription live, the database reachable, the queue's runner running, and not
 * draining. A destination switched off because it
 * answered "gone" does not make the worker unready (every other tenant is still served), but it
 * is listed, with its reason, so monitoring can alert on it.
 */
export function readinessReport(sources: ReadinessSources): HealthReport {
  const components: Record<string, ComponentHealth> = {};
  Object.assign(components, sources.intake());
  const draining = sources.draining();
  components.worker = {
    ready: !draining,
    state: draining ? 'draining' : 'running',
    reason: draining ? 'shutting down' : null,
    deliveriesInFlight: sources.deliveriesInFlight(),
  };
  if (sources.database) {
    const db = sources.database();
    components.database = upOrDown(db.reachable, ['reachable', 'unreachable'], db.reason, db.sinceMs);
  }
  if (sources.queue) {
    const runner = sources.queue();
    components.queue = upOrDown(runner.running, ['running', 'stopped'], runner.reason, runner.sinceMs);
  }
  const disabled = sources.destinations.list();
  components.destinations = {
    ready: true,
    state: disabled.length > 0 ? 'degraded' : 'ok',
    reason: disabled.length > 0 ? `${disabled.length} destination(s) need attention` : null,
    disabled: disabled.map((d) => ({ destination: d.key, state: d.state, reason: d.reason, since: new Date(d.sinceMs).toISOString() })),
  };
  return aggregate(components);
}

/** A component that is either up or down, and has been since a moment. */
function upOrDown(up: boolean, [upState, downState]: [string, string], reason: string | null, sinceMs: number): ComponentHealth {
  return { ready: up, state: up ? upState : downState, reason, since: new Date(sinceMs).toISOString() };
}
