import { Agent } from 'undici';
import { createWebhookChannel, type HttpRequester } from './channels/webhook/webhook-channel';
import type { Config } from './config/load-config';
import { planDeliveries } from './decide/route';
import { createMemoryDeadLetterSink, type DeadLetterSink } from './deliver/dead-letters';
import { Dispatcher } from './deliver/dispatcher';
import { RateLimiterRegistry } from './deliver/rate-limiter';
import type { ChangeEvent } from './intake/change-event';
import { DedupeWindow } from './intake/dedupe-window';
import { createIntake } from './intake/intake';
import { createRealtimeClient, type RealtimeClientLike, type RealtimeHooks } from './intake/realtime-client';
import { RealtimeSource } from './intake/realtime-source';
import type { Logger } from './lib/logger';
import { Releasers } from './lib/releasers';
import { aggregate, type ComponentHealth, type HealthReport } from './outcome/health-report';
import { createHealthServer } from './outcome/health-server';
import { createMetrics, type Metrics } from './outcome/metrics';

export const USER_AGENT = 'wedsync-realtime-worker/0.1';

export interface AppDependencies {
  readonly config: Config;
  readonly logger: Logger;
  /** Replaces the real supabase-js client factory (tests tune its reconnect timings). */
  readonly connectRealtime?: (hooks: RealtimeHooks) => RealtimeClientLike;
  /** Replaces the undici Agent used for webhooks. */
  readonly http?: HttpRequester;
  readonly metrics?: Metrics;
  readonly deadLetters?: DeadLetterSink;
}

export interface StopResult {
  /** True when nothing was abandoned and every resource was released. */
  readonly clean: boolean;
  readonly undelivered: readonly string[];
}

export interface App {
  /** Starts serving health, then intake. Resolves with the health port once listening. */
  start(): Promise<{ healthPort: number }>;
  /** Graceful: stop intake, drain until the deadline, release. Idempotent. */
  stop(): Promise<StopResult>;
  /** A second signal: abort whatever is still running now. */
  forceStop(): void;
  readiness(): HealthReport;
  readonly metrics: Metrics;
}

/** Wires the worker from its parts. Touches no globals: `main.ts` owns the process. */
export function createApp(deps: AppDependencies): App {
  const { config, logger } = deps;
  const { env, worker } = config;
  const metrics = deps.metrics ?? createMetrics();
  const releasers = new Releasers();
  const ownedAgent = deps.http ? undefined : new Agent({ connections: 64, connect: { timeout: 5_000 } });
  const http: HttpRequester = deps.http ?? ownedAgent!;
  const limiters = new RateLimiterRegistry();
  const endpoints = new Map(worker.webhookEndpoints.map((e) => [e.name, e]));
  const dispatcher = new Dispatcher({
    webhook: createWebhookChannel({ http, userAgent: USER_AGENT }),
    limiterFor: (delivery) => limiters.get(`webhook:${delivery.destination}`, endpoints.get(delivery.destination)!.rateLimit),
    retry: worker.retry,
    deadLetters: deps.deadLetters ?? createMemoryDeadLetterSink(),
    logger: logger.child({ component: 'dispatcher' }),
    onOutcome: (delivery, outcome) => metrics.deliveries.inc({ channel: delivery.channel, outcome: outcome.kind }),
  });

  const decide = (event: ChangeEvent) => {
    const deliveries = planDeliveries(event, worker);
    if (deliveries.length === 0) {
      logger.debug({ eventId: event.id, table: event.table, operation: event.operation }, 'no rule matched');
    }
    for (const delivery of deliveries) dispatcher.submit(delivery);
  };

  const intakeLogger = logger.child({ component: 'intake' });
  const source = new RealtimeSource({
    subscriptions: worker.subscriptions,
    intake: worker.intake,
    logger: intakeLogger,
    connect:
      deps.connectRealtime ??
      ((hooks) =>
        createRealtimeClient({
          url: env.SUPABASE_URL,
          apiKey: env.SUPABASE_SERVICE_ROLE_KEY,
          heartbeatIntervalMs: worker.intake.heartbeatIntervalMs,
          joinTimeoutMs: worker.intake.joinTimeoutMs,
          ...hooks,
        })),
    onUndecodableFrame: (error) => {
      metrics.changesRejected.inc({ reason: 'undecodable_frame' });
      intakeLogger.warn({ reason: 'undecodable_frame', detail: error instanceof Error ? error.message : String(error) }, 'change rejected');
    },
    onChange: createIntake({
      dedupe: new DedupeWindow(worker.intake.dedupeWindowMs, worker.intake.dedupeMaxEntries),
      metrics,
      logger: intakeLogger,
      onEvent: decide,
    }),
  });

  let draining = false;
  let forcing = false;
  const readiness = (): HealthReport => {
    const components: Record<string, ComponentHealth> = {};
    for (const s of source.statuses()) {
      components[`subscription:${s.name}`] = {
        ready: s.state === 'live',
        state: s.state,
        reason: s.state === 'live' ? null : s.reason,
        table: s.table,
        since: new Date(s.sinceMs).toISOString(),
        lastChangeAt: s.lastChangeAtMs === null ? null : new Date(s.lastChangeAtMs).toISOString(),
      };
    }
    components.worker = {
      ready: !draining,
      state: draining ? 'draining' : 'running',
      reason: draining ? 'shutting down' : null,
      deliveriesInFlight: dispatcher.pending(),
    };
    return aggregate(components);
  };

  const health = createHealthServer({
    host: env.HEALTH_HOST,
    port: env.HEALTH_PORT,
    alive: () => !forcing,
    readiness,
    metrics: metrics.registry,
  });

  let starting: Promise<{ healthPort: number }> | undefined;
  let stopping: Promise<StopResult> | undefined;

  const start = () => {
    starting ??= (async () => {
      const healthPort = await health.listen();
      releasers.add('health server', () => health.close());
      if (ownedAgent) releasers.add('http agent', () => ownedAgent.close());
      releasers.add('rate limiters', () => limiters.stopAll());
      source.start();
      logger.info({ healthPort, subscriptions: worker.subscriptions.map((s) => s.name) }, 'worker started');
      return { healthPort };
    })();
    return starting;
  };

  const stop = () => {
    stopping ??= (async () => {
      await starting?.catch(() => undefined);
      draining = true;
      logger.info({ deliveriesInFlight: dispatcher.pending() }, 'draining');
      await source.stop();
      const { undelivered } = await dispatcher.drain(env.SHUTDOWN_TIMEOUT_MS);
      const failures = await releasers.releaseAll((name, error) => logger.error({ err: error, resource: name }, 'release failed'));
      const clean = undelivered.length === 0 && failures === 0;
      logger.info({ undelivered: undelivered.length, clean }, 'stopped');
      return { clean, undelivered };
    })();
    return stopping;
  };

  return {
    start,
    stop,
    forceStop() {
      forcing = true;
      dispatcher.forceAbort();
      void stop();
    },
    readiness,
    metrics,
  };
}
