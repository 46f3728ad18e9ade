export interface ComponentHealth {
  readonly ready: boolean;
  readonly state: string;
  /** Why it is not ready, in words an on-call person can act on; null when ready. */
  readonly reason: string | null;
  readonly [detail: string]: unknown;
}

export interface HealthReport {
  readonly status: 'ready' | 'not_ready';
  readonly components: Readonly<Record<string, ComponentHealth>>;
}

/** Ready only when every component is. */
export function aggregate(components: Readonly<Record<string, ComponentHealth>>): HealthReport {
  const ready = Object.values(components).every((c) => c.ready);
  return { status: ready ? 'ready' : 'not_ready', components };
}
