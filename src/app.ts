import { Pool } from 'pg';
import type { HttpRequester } from './channels/webhook/webhook-channel';
import { createChannelRegistry } from './channels/registry';
import type { Config } from './config/load-config';
import type { ContextRepository } from './context/event-context';
import { createPgContextRepository } from './context/pg-context-repository';
import { HourlyCapTracker } from './decide/hourly-cap';
import type { PlanSettings } from './decide/plan';
import { createMemoryDeadLetterSink, type DeadLetterSink } from './deliver/dead-letters';
import { destinationKey, DestinationHealth } from './deliver/destinations';
import { Dispatcher, type ChannelRegistry } from './deliver/dispatcher';
import { RateLimiterRegistry } from './deliver/rate-limiter';
import { createEventHandler } from './event-handler';
import { DedupeWindow } from './intake/dedupe-window';
import { createIntake } from './intake/intake';
import { createRealtimeClient, type RealtimeClientLike, type RealtimeHooks } from './intake/realtime-client';
import { RealtimeSource } from './intake/realtime-source';
import type { Logger } from './lib/logger';
import { Releasers } from './lib/releasers';
import type { HealthReport } from './outcome/health-report';
import { createHealthServer } from './outcome/health-server';
import { createMetrics, type Metrics } from './outcome/metrics';
import { readinessReport } from './outcome/readiness';

export interface AppDependencies {
  readonly config: Config;
  readonly logger: Logger;
  /** Replaces the real supabase-js client factory (tests tune its reconnect timings). */
  readonly connectRealtime?: (hooks: RealtimeHooks) => RealtimeClientLike;
  /** Replaces the outbound HTTP transport of webhooks, Slack and Teams. */
  readonly http?: HttpRequester;
  /** A pool the caller owns; by default one is opened on DATABASE_URL when it is set. */
  readonly pool?: Pool;
  /** Replaces individual channels (tests, sandboxes). */
  readonly channels?: ChannelRegistry;
  readonly metrics?: Metrics;
  readonly deadLetters?: DeadLetterSink;
  readonly now?: () => number;
}

export interface StopResult {
  /** True when nothing was abandoned and every resource was released. */
  readonly clean: boolean;
  readonly undelivered: readonly string[];
}

export interface App {
  /** Starts serving health, then intake. Resolves with the health port once listening. */
  start(): Promise<{ healthPort: number }>;
  /** Graceful: stop intake, finish decisions, drain until the deadline, release. Idempotent. */
  stop(): Promise<StopResult>;
  /** A second signal: abort whatever is still running now. */
  forceStop(): void;
  readiness(): HealthReport;
  /** Changes being decided plus deliveries under way (0 when idle). */
  busy(): number;
  readonly metrics: Metrics;
  readonly destinations: DestinationHealth;
  readonly deadLetters: DeadLetterSink;
}

/** Wires the worker from its parts. Touches no globals: `main.ts` owns the process. */
export function createApp(deps: AppDependencies): App {
  const { config, logger } = deps;
  const { env, worker } = config;
  const now = deps.now ?? Date.now;
  const metrics = deps.metrics ?? createMetrics();
  const releasers = new Releasers();
  const ownedPool = !deps.pool && env.DATABASE_URL ? new Pool({ connectionString: env.DATABASE_URL, max: 10 }) : undefined;
  const pool = deps.pool ?? ownedPool ?? null;
  // The pool is told apart from a failed query: an idle client's error must not crash the process.
  ownedPool?.on('error', (error) => logger.warn({ err: error }, 'idle database connection failed'));
  const contexts: ContextRepository | null = pool
    ? createPgContextRepository({ pool, cache: { maxEntries: worker.context.cacheMaxEntries, ttlMs: worker.context.cacheTtlMs } })
    : null;
  const built = createChannelRegistry({ env, worker, pool, http: deps.http, logger });
  const channels: ChannelRegistry = { ...built.channels, ...deps.channels };
  const limiters = new RateLimiterRegistry();
  const destinations = new DestinationHealth(now);
  const deadLetters = deps.deadLetters ?? createMemoryDeadLetterSink(100, now);
  const dispatcher = new Dispatcher({
    channels,
    limiterFor: (d) => limiters.get(destinationKey(d.channel, d.recipient), d.rateLimit ?? defaultLimit(d.channel, worker)),
    retry: worker.retry,
    deadLetters,
    destinations,
    failoverDeadlineMs: worker.failover.criticalDeadlineMs,
    logger: logger.child({ component: 'dispatcher' }),
    now,
    onOutcome: (delivery, outcome) => metrics.deliveries.inc({ channel: delivery.channel, outcome: outcome.kind }),
  });

  const settings: PlanSettings = {
    rules: worker.rules,
    priority: worker.priority,
    channelsByLevel: worker.channelsByLevel,
    failover: worker.failover,
    configEndpoints: new Map(worker.webhookEndpoints.map((e) => [e.name, e])),
    tenantWebhookTimeoutMs: worker.limits.tenantWebhookTimeoutMs,
    appBaseUrl: worker.content.appBaseUrl,
    availableChannels: new Set(Object.keys(channels) as (keyof ChannelRegistry)[]),
    defaultHourlyCap: worker.preferences.defaultHourlyCap,
  };
  const decide = createEventHandler({
    subscriptions: worker.subscriptions,
    contexts,
    settings,
    caps: new HourlyCapTracker(),
    deadLetters,
    submit: (delivery) => dispatcher.submit(delivery),
    logger: logger.child({ component: 'decide' }),
    now,
  });
  // Decisions wait on the database; shutdown lets the ones under way finish before draining.
  const deciding = new Set<Promise<void>>();
  const onEvent = (event: Parameters<typeof decide>[0]) => {
    const running = decide(event)
      .catch((error: unknown) => logger.error({ err: error, eventId: event.id, deadLetter: true }, 'change not decided: unexpected error'))
      .finally(() => deciding.delete(running));
    deciding.add(running);
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
      onEvent,
    }),
  });

  let draining = false;
  let forcing = false;
  const readiness = () =>
    readinessReport({ subscriptions: () => source.statuses(), draining: () => draining, deliveriesInFlight: () => dispatcher.pending(), destinations });

  const health = createHealthServer({ host: env.HEALTH_HOST, port: env.HEALTH_PORT, alive: () => !forcing, readiness, metrics: metrics.registry });

  let starting: Promise<{ healthPort: number }> | undefined;
  let stopping: Promise<StopResult> | undefined;

  const start = () => {
    starting ??= (async () => {
      if (ownedPool) releasers.add('database pool', () => ownedPool.end());
      if (contexts) releasers.add('context repository', () => contexts.close());
      releasers.add('channels', () => built.close());
      const healthPort = await health.listen();
      releasers.add('health server', () => health.close());
      releasers.add('rate limiters', () => limiters.stopAll());
      source.start();
      logger.info({ healthPort, subscriptions: worker.subscriptions.map((s) => s.name), channels: [...settings.availableChannels] }, 'worker started');
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
      await Promise.all(deciding);
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
    busy: () => deciding.size + dispatcher.pending(),
    metrics,
    destinations,
    deadLetters,
  };
}

function defaultLimit(channel: keyof ChannelRegistry, worker: Config['worker']) {
  return channel === 'webhook' ? { max: 100, perMs: 60_000, maxConcurrent: 8 } : worker.limits[channel];
}
