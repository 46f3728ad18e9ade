export interface ComponentHealth {
  readonly ready: boolean;
  readonly state: string;
  /** Why it is not ready, in words an on-call person can act on; null when ready. */
  readonly reason: string | null;
  readonly [detail: string]: unknown;
}

export interface HealthReport {
  /** `degraded`: ready, but some component needs a person's attention. */
  readonly status: 'ready' | 'degraded' | 'not_ready';
  readonly components: Readonly<Record<string, ComponentHealth>>;
}

/** Ready only when every component is; degraded when one says so. */
export function aggregate(components: Readonly<Record<string, ComponentHealth>>): HealthReport {
  const all = Object.values(components);
  if (!all.every((c) => c.ready)) return { status: 'not_ready', components };
  return { status: all.some((c) => c.state === 'degraded') ? 'degraded' : 'ready', components };
}
