/**
 * The worker's intake alone, for catch-up tests: the REAL supabase-js client through
 * ChangeIntake (RealtimeSource, drivers, cursors, the same hand-off createIntake uses) against
 * the fake Realtime server, recording every ChangeEvent handed on. The durable queue behind it
 * is another issue's; here onEvent only records.
 */
import { workerConfigSchema, type SubscriptionConfig } from '../../src/config/worker-config.schema';
import type { ChangeEvent } from '../../src/intake/change-event';
import { ChangeIntake, type IntakeLeaseOptions } from '../../src/intake/change-intake';
import type { CatchUpReport } from '../../src/intake/catch-up';
import { DedupeWindow } from '../../src/intake/dedupe-window';
import { createPgCursorStore, type CursorStore } from '../../src/intake/cursor-store';
import { createHandOff } from '../../src/intake/hand-off';
import { judgeIntake, type IntakeVerdict } from '../../src/intake/intake-readiness';
import { createDriver, planStreams } from '../../src/intake/intake-streams';
import { StreamRunner, type StreamLag } from '../../src/intake/stream-runner';
import { createMetrics, type Metrics } from '../../src/outcome/metrics';
import { fastClientFactory } from './fast-realtime-client';
import { memoryLogger, type LogLine } from './memory-log';
import type { FakeRealtime } from './realtime-server';
import type { TestSchema } from './test-db';
import { waitFor } from './wait-for';

export const FAST_INTAKE = { heartbeatIntervalMs: 250, joinTimeoutMs: 500, liveTimeoutMs: 5_000, rebuildDelaysMs: [50, 100, 200] };

export interface HarnessOptions {
  readonly realtime: FakeRealtime;
  readonly db: TestSchema;
  /** Rules-file entries, parsed by the real schema. */
  readonly subscriptions: readonly Record<string, unknown>[];
  readonly intake?: Record<string, unknown>;
  readonly onEvent?: (event: ChangeEvent) => void | PromiseLike<void>;
  /** Replicas splitting the streams by leases (as the app does with a database). */
  readonly leases?: IntakeLeaseOptions;
}

export interface RunningIntake {
  readonly intake: ChangeIntake;
  readonly subscriptions: readonly SubscriptionConfig[];
  readonly events: ChangeEvent[];
  readonly lines: LogLine[];
  readonly metrics: Metrics;
  ids(): string[];
  catchUps(stream?: string): CatchUpReport[];
  lag(stream: string): StreamLag;
  /** The readiness verdict at `nowMs` (default: the wall clock). */
  verdict(stream: string, nowMs?: number): IntakeVerdict;
  untilLive(): Promise<void>;
  stop(): Promise<void>;
}

export async function startIntake(options: HarnessOptions): Promise<RunningIntake> {
  const config = workerConfigSchema.parse({ subscriptions: options.subscriptions, intake: { ...FAST_INTAKE, ...options.intake } });
  const events: ChangeEvent[] = [];
  const reports: CatchUpReport[] = [];
  const { logger, lines } = memoryLogger('info');
  const metrics = createMetrics({ processMetrics: false });
  const intake = new ChangeIntake({
    subscriptions: config.subscriptions,
    intake: config.intake,
    logger,
    connect: fastClientFactory({ url: options.realtime.url, apiKey: 'test-service-role-key', heartbeatIntervalMs: config.intake.heartbeatIntervalMs, joinTimeoutMs: config.intake.joinTimeoutMs }),
    onUndecodableFrame: (error) => logger.warn({ err: error }, 'undecodable frame'),
    db: options.db.pool,
    dedupe: new DedupeWindow(config.intake.dedupeWindowMs, config.intake.dedupeMaxEntries),
    metrics,
    onEvent: (event) => {
      events.push(event);
      return options.onEvent?.(event);
    },
    cursorFlushMs: 50,
    onCatchUp: (report) => reports.push(report),
    ...(options.leases ? { leases: options.leases } : {}),
  });
  await intake.start();
  const lag = (stream: string) => {
    const found = intake.lag().find((l) => l.name === stream);
    if (!found) throw new Error(`no stream ${stream}; have ${intake.lag().map((l) => l.name).join(', ')}`);
    return found;
  };
  return {
    intake,
    subscriptions: config.subscriptions,
    events,
    lines,
    metrics,
    ids: () => events.map((e) => e.id),
    catchUps: (stream) => reports.filter((r) => stream === undefined || r.subscription === stream),
    lag,
    verdict: (stream, nowMs = Date.now()) => judgeIntake(lag(stream), intake.statuses().find((s) => s.name === stream), nowMs),
    untilLive: () => waitFor(() => intake.statuses().every((s) => s.state === 'live'), { what: 'every stream live' }).then(() => undefined),
    stop: () => intake.stop(),
  };
}

/** One stream's runner alone (no Realtime client): the test calls onPayload and onLive itself. */
export function streamRunnerFor(
  db: TestSchema,
  subscription: Record<string, unknown>,
  onEvent: (e: ChangeEvent) => void | PromiseLike<void>,
  store: CursorStore,
  flushEveryMs = 60_000,
  /** Deciding is behind (live-shedding.ts): counted in `changesDeferred`, as ChangeIntake does. */
  overloaded?: () => boolean,
) {
  const subscriptions = workerConfigSchema.parse({ subscriptions: [subscription] }).subscriptions;
  const plan = planStreams(subscriptions)[0]!;
  const { logger, lines } = memoryLogger('info');
  const metrics = createMetrics({ processMetrics: false });
  const handOff = createHandOff({ dedupe: new DedupeWindow(60_000, 1_000), metrics, logger, onEvent });
  const shedding = overloaded ? { overloaded, onShed: () => metrics.changesDeferred.inc({ stream: plan.name }) } : {};
  const runner = new StreamRunner({ plan, driver: createDriver(plan, db.pool, Date.now), handOff, store, logger, now: Date.now, flushEveryMs, retryDelaysMs: [50], ...shedding });
  return { runner, lines, name: plan.name, metrics };
}

/** The real cursor store, remembering every position saved through it. */
export function recordingStore<P>(db: TestSchema): CursorStore & { saves: P[] } {
  const inner = createPgCursorStore(db.pool);
  const saves: P[] = [];
  return {
    saves,
    load: (stream) => inner.load(stream),
    async save(stream, position) {
      saves.push(position as P);
      await inner.save(stream, position);
    },
  };
}
