import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { heapAfterFullGcBytes } from './heap-after-gc';

/** What the gauges read when Prometheus scrapes; attached once the app's parts exist. */
export interface GaugeSources {
  readonly backlog: (() => Promise<{ byLevel: Record<string, number>; oldestCriticalMs: number | null }>) | null;
  readonly intake: () => readonly { name: string; live: boolean; newestChangeAtMs: number | null }[];
  readonly destinations: () => Promise<Record<string, number>>;
  /** Sizes of what this process keeps per destination, tenant, person or secret. */
  readonly keyed?: () => Record<string, number>;
  /** This replica's database pools, by role: connections open, idle, and queries waiting for one. */
  readonly databasePools?: () => Record<string, { readonly open: number; readonly idle: number; readonly waiting: number }>;
  /** With intake leases: the streams this replica holds and those it stands by for. */
  readonly leases?: () => { readonly held: readonly string[]; readonly standby: readonly string[] } | null;
  readonly now: () => number;
}

/** Every metric the worker exposes, on a registry of its own (tests run several apps at once). */
export interface Metrics {
  readonly registry: Registry;
  readonly changesReceived: Counter<'table' | 'operation'>;
  readonly changesRejected: Counter<'reason'>;
  readonly changesDuplicate: Counter<'table'>;
  readonly changesRecovered: Counter;
  readonly changesDeferred: Counter<'stream'>;
  readonly leaseEvents: Counter<'event'>;
  readonly deadEvents: Counter<'reason'>;
  readonly deliveries: Counter<'channel' | 'outcome'>;
  readonly attemptSeconds: Histogram<'channel' | 'outcome'>;
  attach(sources: GaugeSources): void;
}

export function createMetrics({ processMetrics = true }: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (processMetrics) {
    collectDefaultMetrics({ register: registry });
    heapAfterFullGcBytes();
    new Gauge({
      name: 'wedsync_heap_after_full_gc_bytes',
      help: 'V8 heap in use right after the last full collection (what is alive; heap used between collections also counts garbage); absent before the first',
      registers: [registry],
      collect() {
        const bytes = heapAfterFullGcBytes();
        if (bytes === null) this.reset();
        else this.set(bytes);
      },
    });
  }
  let sources: GaugeSources | undefined;
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) => new Counter<L>({ name, help, labelNames, registers: [registry] });

  new Gauge({
    name: 'wedsync_queue_depth',
    help: 'Deliveries persisted and not finished, by priority',
    labelNames: ['priority'],
    registers: [registry],
    async collect() {
      const backlog = await sources?.backlog?.();
      for (const [priority, n] of Object.entries(backlog?.byLevel ?? {})) this.set({ priority }, n);
    },
  });
  new Gauge({
    name: 'wedsync_oldest_pending_critical_seconds',
    help: 'Age of the oldest critical delivery not finished yet; 0 when there is none',
    registers: [registry],
    async collect() {
      const oldest = (await sources?.backlog?.())?.oldestCriticalMs ?? null;
      this.set(oldest === null || !sources ? 0 : Math.max(0, (sources.now() - oldest) / 1000));
    },
  });
  new Gauge({
    name: 'wedsync_intake_live',
    help: '1 when the intake stream is live, 0 when not',
    labelNames: ['subscription'],
    registers: [registry],
    collect() {
      for (const s of sources?.intake() ?? []) this.set({ subscription: s.name }, s.live ? 1 : 0);
    },
  });
  new Gauge({
    name: 'wedsync_intake_newest_change_age_seconds',
    help: 'Age of the newest change handled on each intake stream (intake lag when changes are expected)',
    labelNames: ['subscription'],
    registers: [registry],
    collect() {
      const now = sources?.now() ?? Date.now();
      for (const s of sources?.intake() ?? []) {
        if (s.newestChangeAtMs !== null) this.set({ subscription: s.name }, Math.max(0, (now - s.newestChangeAtMs) / 1000));
      }
    },
  });
  new Gauge({
    name: 'wedsync_destinations',
    help: 'Destinations by circuit condition (closed, open, disabled, held)',
    labelNames: ['condition'],
    registers: [registry],
    async collect() {
      for (const [condition, n] of Object.entries((await sources?.destinations()) ?? {})) this.set({ condition }, n);
    },
  });

  new Gauge({
    name: 'wedsync_intake_stream_held',
    help: 'With intake leases: 1 for a stream this replica holds (subscribes, catches up, decides), 0 for one it stands by for',
    labelNames: ['stream'],
    registers: [registry],
    collect() {
      this.reset();
      const leases = sources?.leases?.();
      for (const stream of leases?.held ?? []) this.set({ stream }, 1);
      for (const stream of leases?.standby ?? []) this.set({ stream }, 0);
    },
  });
  new Gauge({
    name: 'wedsync_database_connections',
    help: "This replica's database connections by pool (deciding, delivering, heart-beat, lease) and state: open, idle, and waiting (queries queued for a connection: a pool too small, or a server refusing new ones)",
    labelNames: ['pool', 'state'],
    registers: [registry],
    collect() {
      for (const [pool, counts] of Object.entries(sources?.databasePools?.() ?? {})) {
        for (const state of ['open', 'idle', 'waiting'] as const) this.set({ pool, state }, counts[state]);
      }
    },
  });
  new Gauge({
    name: 'wedsync_keyed_entries',
    help: 'Entries this process holds per destination, person or secret, by structure (each bounded or forgotten when idle)',
    labelNames: ['structure'],
    registers: [registry],
    collect() {
      for (const [structure, n] of Object.entries(sources?.keyed?.() ?? {})) this.set({ structure }, n);
    },
  });

  return {
    registry,
    changesReceived: counter('wedsync_changes_received_total', 'Valid row changes accepted from intake', ['table', 'operation']),
    changesRejected: counter('wedsync_changes_rejected_total', 'Change payloads rejected by validation, by reason', ['reason']),
    changesDuplicate: counter('wedsync_changes_duplicate_total', 'Repeats of an already handled change, dropped', ['table']),
    changesRecovered: new Counter({
      name: 'wedsync_changes_recovered_total',
      help: 'Changes only a catch-up brought in: Realtime had lost them, or intake left them to it while deciding was behind (wedsync_changes_deferred_total)',
      registers: [registry],
    }),
    changesDeferred: counter('wedsync_changes_deferred_total', 'Live changes left in the database for catch-up to read back while deciding was behind, by stream', ['stream']),
    leaseEvents: counter('wedsync_intake_lease_events_total', 'Intake stream leases acquired, lost (expired or taken over) and released by this replica', ['event']),
    deadEvents: counter('wedsync_dead_events_total', 'Changes kept as dead events because they could not be decided on, by reason', ['reason']),
    deliveries: counter('wedsync_deliveries_total', 'Finished delivery runs by channel and outcome (delivered, dead_letter, failed_over, aborted)', [
      'channel',
      'outcome',
    ]),
    attemptSeconds: new Histogram({
      name: 'wedsync_delivery_attempt_seconds',
      help: 'Duration of one provider request, by channel and outcome (success, retryable, permanent)',
      labelNames: ['channel', 'outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    attach(next) {
      sources = next;
    },
  };
}
