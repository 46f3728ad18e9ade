import type { DestinationHealth } from '../deliver/destinations';
import type { SubscriptionStatus } from '../intake/subscription-tracker';
import { aggregate, type ComponentHealth, type HealthReport } from './health-report';

export interface ReadinessSources {
  readonly subscriptions: () => readonly SubscriptionStatus[];
  readonly draining: () => boolean;
  readonly deliveriesInFlight: () => number;
  readonly destinations: DestinationHealth;
}

/**
 * /readyz: every subscription live and not draining. A destination switched off because it
 * answered "gone" does not make the worker unready (every other tenant is still served), but it
 * is listed, with its reason, so monitoring can alert on it.
 */
export function readinessReport(sources: ReadinessSources): HealthReport {
  const components: Record<string, ComponentHealth> = {};
  for (const s of sources.subscriptions()) {
    components[`subscription:${s.name}`] = {
      ready: s.state === 'live',
      state: s.state,
      reason: s.state === 'live' ? null : s.reason,
      table: s.table,
      since: new Date(s.sinceMs).toISOString(),
      lastChangeAt: s.lastChangeAtMs === null ? null : new Date(s.lastChangeAtMs).toISOString(),
    };
  }
  const draining = sources.draining();
  components.worker = {
    ready: !draining,
    state: draining ? 'draining' : 'running',
    reason: draining ? 'shutting down' : null,
    deliveriesInFlight: sources.deliveriesInFlight(),
  };
  const disabled = sources.destinations.list();
  components.destinations = {
    ready: true,
    state: disabled.length > 0 ? 'degraded' : 'ok',
    reason: disabled.length > 0 ? `${disabled.length} destination(s) disabled` : null,
    disabled: disabled.map((d) => ({ destination: d.key, reason: d.reason, since: new Date(d.sinceMs).toISOString() })),
  };
  return aggregate(components);
}
