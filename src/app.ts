import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Pool } from 'pg';
import type { HttpRequester } from './channels/webhook/webhook-channel';
import { createChannelRegistry, USER_AGENT } from './channels/registry';
import { createPartnerSystem } from './partners/partner-system';
import { createSlackAppSystem } from './channels/slack-app/slack-app-system';
import { connectionStoppedAlert } from './partners/connection-alert';
import type { ConnectionSummary } from './connections/connection';
import type { Config } from './config/load-config';
import type { ContextRepository } from './context/event-context';
import { createPgContextRepository } from './context/pg-context-repository';
import { HourlyCapTracker } from './decide/hourly-cap';
import { planSettingsFrom } from './decide/plan';
import { createAddressBook } from './deliver/address-book';
import { createMemoryDeadLetterSink, createMemoryEventDeadLetters, type EventDeadLetters } from './deliver/dead-letters';
import { destinationKey, DestinationHealth } from './deliver/destinations';
import { Dispatcher, type DeliveryRunner } from './deliver/dispatcher';
import type { ChannelRegistry } from './channels/channel';
import type { Delivery } from './decide/delivery';
import { DurableQueue } from './deliver/durable/durable-queue';
import { DigestingRunner, digestTasks } from './deliver/digest/digest-runner';
import { DigestStore } from './deliver/digest/digest-store';
import { createPgEventDeadLetters } from './deliver/durable/pg-event-dead-letters';
import { createPgSentLedger } from './deliver/durable/pg-sent-ledger';
import { RateLimiterRegistry } from './deliver/rate-limiter';
import { Redis } from 'ioredis';
import { DatabaseHealth } from './lib/database-health';
import { warnOnConnectionBudget } from './lib/connection-budget';
import { openDatabasePools } from './database-pools';
import { createDecideRunner } from './decide-runner';
import { mayBeCritical } from './decide/critical-ahead';
import { createEventHandler } from './event-handler';
import { createLifecycle, type StopResult } from './lifecycle';
import { intakeHealth } from './intake/intake-readiness';
import type { RealtimeClientLike, RealtimeHooks } from './intake/realtime-client';
import { createWorkerIntake } from './worker-intake';
import type { Logger } from './lib/logger';
import { Releasers } from './lib/releasers';
import type { HealthReport } from './lib/health-report';
import { createAcknowledgements } from './acknowledgements';
import { createAckLinks, createAckTokens } from './lib/ack-token';
import { createHealthServer } from './outcome/health-server';
import type { PublicRoute } from './outcome/public-server';
import { CONSTANT_CONTACT_CALLBACK_PATH } from './partners/constant-contact/oauth-callback';
import { deliveryObservers, gaugeSources } from './outcome/metric-sources';
import { createMetrics, type Metrics } from './outcome/metrics';
import { readinessReport } from './outcome/readiness';
import { buildStatus } from './outcome/status-builder';
import { createOnCallReader } from './outcome/status-oncall';
import { createConnectionsReader } from './outcome/status-connections';
import type { StatusSnapshot } from './outcome/status-snapshot';

export interface AppDependencies {
  readonly config: Config;
  readonly logger: Logger;
  /** Replaces the real supabase-js client factory (tests tune its reconnect timings). */
  readonly connectRealtime?: (hooks: RealtimeHooks) => RealtimeClientLike;
  /** Replaces the outbound HTTP transport of webhooks, Slack and Teams. */
  readonly http?: HttpRequester;
  /** A pool the caller owns; by default one is opened on DATABASE_URL when it is set. */
  readonly pool?: Pool;
  /** The durable queue's pool, the caller's; by default its own is opened with `pool`'s, else it shares `pool`. */
  readonly jobPool?: Pool;
  /** Replaces individual channels (tests, sandboxes). */
  readonly channels?: ChannelRegistry;
  readonly metrics?: Metrics;
  readonly now?: () => number;
  /** This replica's name in the intake leases (default: host name and a random suffix). */
  readonly replicaName?: string;
  /** More routes for the public listener (PUBLIC_PORT), e.g. OAuth callbacks. */
  readonly publicRoutes?: readonly PublicRoute[];
}

export interface App {
  /** Starts serving health, then intake. Resolves with the health port once listening. */
  start(): Promise<{ healthPort: number }>;
  /** Graceful: stop intake, finish decisions, drain until the deadline, release. Idempotent. */
  stop(): Promise<StopResult>;
  /** A second signal: abort whatever is still running now. */
  forceStop(): void;
  readiness(): HealthReport;
  /** What /status shows. */
  status(): Promise<StatusSnapshot>;
  /** Changes being decided plus deliveries not finished (0 when idle). */
  busy(): Promise<number>;
  readonly metrics: Metrics;
  readonly destinations: DestinationHealth;
  readonly deadEvents: EventDeadLetters;
  /** The durable queue, when the worker runs with a database. */
  readonly queue: DurableQueue | null;
  /** The public listener's port once started (Slack, Twilio, ack links); null without PUBLIC_PORT. */
  publicPort(): number | null;
}

/** Wires the worker from its parts. Touches no globals: `main.ts` owns the process. */
export function createApp(deps: AppDependencies): App {
  const { config, logger } = deps;
  const { env, worker } = config;
  const now = deps.now ?? Date.now;
  const metrics = deps.metrics ?? createMetrics();
  const releasers = new Releasers();
  const pools = openDatabasePools(config, logger, releasers, { ...(deps.pool ? { pool: deps.pool } : {}), ...(deps.jobPool ? { jobPool: deps.jobPool } : {}) });
  const { pool, jobPool, heartbeatPool, leasePool } = pools;
  const contexts: ContextRepository | null = pool
    ? createPgContextRepository({ pool, cache: { maxEntries: worker.context.cacheMaxEntries, ttlMs: worker.context.cacheTtlMs } })
    : null;
  // Links only where they can be answered: a public listener, its URL, a key, and a database to record into.
  const ackLink = pool && env.ACK_LINK_KEY && env.PUBLIC_BASE_URL && env.PUBLIC_PORT !== undefined
    ? createAckLinks({ tokens: createAckTokens(Buffer.from(env.ACK_LINK_KEY, 'base64')), publicBaseUrl: env.PUBLIC_BASE_URL, ttlMs: worker.escalation.linkTtlMs })
    : null;
  // In-app rows and the SMS sent-ledger are written while a delivery holds its job slot: on the
  // delivering pool, not behind a burst of decisions (bench/ figure 11: sends took 0.3-0.9 s).
  const built = createChannelRegistry({
    env,
    worker,
    pool: jobPool,
    http: deps.http,
    smsSentLedger: jobPool ? createPgSentLedger(jobPool) : undefined,
    logger,
    ...(ackLink ? { ack: { link: ackLink, slackInteractive: env.SLACK_SIGNING_SECRET !== undefined } } : {}),
  });
  // Partner connections need their credentials' keys and the database that holds them.
  const partners =
    pool && env.CONNECTION_KEYS
      ? createPartnerSystem({ pool, connectionKeys: env.CONNECTION_KEYS, endpoints: env, allowAddresses: worker.partnerWebhooks.allowAddresses, http: deps.http, userAgent: USER_AGENT, appBaseUrl: worker.content.appBaseUrl, logger: logger.child({ component: 'partners' }), erasureSweepMs: 60_000, now, onStopped: (c, reason) => void tellChat(c, reason) })
      : null;
  // A refused connection is told to its organization's chat once (the stop is once across replicas; the id is the stop's).
  const tellChat = async (connection: ConnectionSummary, reason: string) => {
    const found = queue && contexts ? await contexts.resolve({ organizationId: connection.organizationId, weddingId: null }).catch(() => null) : null;
    const alert = found?.ok ? connectionStoppedAlert(connection, reason, found.context.organization, worker.failover.organization, new Set(Object.keys(channels) as (keyof ChannelRegistry)[]), now()) : null;
    if (alert && queue) await queue.submit([alert]).catch((error: unknown) => logger.warn({ err: error, connectionId: connection.id }, 'could not queue the chat message about a stopped connection'));
    else logger.warn({ connectionId: connection.id, organizationId: connection.organizationId }, 'stopped connection not told to chat: the organization has no Slack or Teams hook');
  };
  // Slack as an app: each organization's bot token is one of its sealed connections.
  const slackApp = partners && contexts && pool && built.channels.slack
    ? createSlackAppSystem({ pool, jobPool: jobPool ?? pool, queueSchema: worker.queue.schema, store: partners.store, contexts, webhook: built.channels.slack, config: worker.slackApp, ...(env.SLACK_API_URL ? { apiUrl: env.SLACK_API_URL } : {}), ...(ackLink ? { ack: { link: ackLink, slackInteractive: env.SLACK_SIGNING_SECRET !== undefined } } : {}), logger, now, onStopped: (c, reason) => {
        // Planning stops counting on the app at once here; other replicas within the context TTL.
        contexts.invalidate(c.organizationId);
        void tellChat(c, reason);
      } })
    : null;
  const channels: ChannelRegistry = { ...built.channels, ...(slackApp ? { slack: slackApp.channel } : {}), ...(partners ? { partner: partners.channel } : {}), ...deps.channels };
  const redis = env.REDIS_URL ? new Redis(env.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: null }) : undefined;
  redis?.on('error', (error) => logger.warn({ err: error }, 'redis connection error; shared rate limits wait for it'));
  const dayMode = worker.preferences.weddingDayMode;
  const limiters = new RateLimiterRegistry(redis, worker.limits.redisNamespace, { reservedCriticalShare: dayMode.enabled ? dayMode.reservedShare : 0 });
  const limiterFor = (d: Delivery) => limiters.get(destinationKey(d.channel, d.recipient), d.rateLimit ?? defaultLimit(d.channel, worker));
  const destinations = new DestinationHealth(now);
  const database = new DatabaseHealth(now);
  const deadEvents = pool ? createPgEventDeadLetters(pool) : createMemoryEventDeadLetters(100, now);
  const { onOutcome, observe } = deliveryObservers(metrics);
  const dispatcherLogger = logger.child({ component: 'dispatcher' });
  // Digests hold messages in PostgreSQL: only with the durable queue.
  const digests = pool && contexts && worker.preferences.digests.enabled ? new DigestStore(jobPool ?? pool, worker.queue.schema, worker.preferences.digests.maxItems) : null;
  // The Constant Contact authorization callback is opened by a vendor's browser: it belongs with the
  // public routes when there is a public listener, else it stays on the operator port.
  const oauthRoutes: PublicRoute[] = (partners?.routes ?? []).map((handler) => ({
    method: 'GET',
    match: (path) => (path === CONSTANT_CONTACT_CALLBACK_PATH ? {} : null),
    handle: async ({ req }, res) => void (await handler(req, res)),
  }));
  const acks = createAcknowledgements({ config, pool, jobPool, metrics, logger, now, extraRoutes: [...(deps.publicRoutes ?? []), ...oauthRoutes], slackApps: slackApp?.apps ?? null });
  const queue = pool && contexts
    ? new DurableQueue({
        pool,
        addresses: createAddressBook({ contexts, configEndpoints: new Map(worker.webhookEndpoints.map((e) => [e.name, e])) }),
        ...(heartbeatPool ? { heartbeatPool } : {}),
        jobPool: jobPool ?? pool,
        queue: worker.queue,
        retry: worker.retry,
        endpointHealth: worker.endpointHealth,
        retention: worker.retention,
        channels,
        limiterFor,
        destinations,
        failoverDeadlineMs: worker.failover.criticalDeadlineMs,
        logger: dispatcherLogger,
        now,
        onOutcome,
        observe,
        tasks: { ...acks.tasks, ...slackApp?.tasks, ...(digests ? digestTasks(digests, logger.child({ component: 'digests' })) : {}) },
      })
    : null;
  const dispatcher: DeliveryRunner =
    queue ??
    new Dispatcher({
      channels,
      limiterFor,
      retry: worker.retry,
      deadLetters: createMemoryDeadLetterSink(100, now),
      destinations,
      failoverDeadlineMs: worker.failover.criticalDeadlineMs,
      logger: dispatcherLogger,
      now,
      onOutcome,
      observe,
    });

  const submitter: DeliveryRunner = queue && digests && pool ? new DigestingRunner(queue, digests, pool) : dispatcher;
  const caps = new HourlyCapTracker();
  const settings = planSettingsFrom(worker, new Set(Object.keys(channels) as (keyof ChannelRegistry)[]), submitter !== dispatcher, slackApp !== null);
  const decide = createEventHandler({
    subscriptions: worker.subscriptions,
    contexts,
    settings,
    caps,
    deadEvents,
    onDeadEvent: (reason) => metrics.deadEvents.inc({ reason }),
    // Timers first: a crash in between escalates a message that may not have gone out, never the reverse.
    submit: async (deliveries) => {
      await acks.track(deliveries);
      await submitter.submit(deliveries);
    },
    logger: logger.child({ component: 'decide' }),
    now,
    ...(partners ? { partners } : {}),
  });
  const deciding = createDecideRunner({ decide, database: pool ? database : null, logger, mayBeCritical: (event) => mayBeCritical(event, settings, now()) });

  const replicaName = deps.replicaName ?? `${hostname()}-${randomBytes(4).toString('hex')}`;
  const source = createWorkerIntake({
    config,
    logger,
    metrics,
    pool,
    leasePool,
    replicaName,
    now,
    onEvent: (event) => deciding.decide(event),
    overloaded: () => deciding.overloaded(),
    ...(deps.connectRealtime ? { connectRealtime: deps.connectRealtime } : {}),
  });

  let draining = false;
  let forcing = false;
  const readiness = () =>
    readinessReport({
      intake: () => intakeHealth(source.lag(), source.statuses(), now(), source.leaseView()),
      draining: () => draining,
      deliveriesInFlight: () => dispatcher.pending(),
      destinations,
      database: pool ? () => database.current() : null,
      queue: queue ? () => queue.runnerState() : null,
    });

  const startedAtMs = now();
  const onCall = pool ? createOnCallReader(pool, worker.preferences.weddingDayMode) : null;
  const status = async () => ({
    ...(await buildStatus({
      readiness,
      draining: () => draining,
      startedAtMs,
      ledger: queue?.ledger ?? null,
      breakerRows: queue ? () => queue.destinationRows() : null,
      flagged: () => destinations.list(),
      waiting: () => limiters.waiting(),
      deadEvents,
      onCall,
      connections: pool && partners ? createConnectionsReader(pool) : null,
      now,
    })),
    unacknowledged: pool ? await acks.unacknowledged() : null,
  });
  metrics.attach({
    ...gaugeSources({ queue, intake: () => source.lag(), destinations, now }),
    leases: () => source.leaseView(),
    databasePools: () => pools.counts(),
    keyed: () => ({
      limiter_destinations_active: limiters.sizes().active,
      limiter_logs_in_process: limiters.sizes().logs,
      hourly_cap_people: caps.size(now()),
      webhook_signer_secrets: built.webhookSecretsHeld(),
      destination_health: destinations.size(),
      slack_app_clients: slackApp?.clientsHeld() ?? 0,
    }),
  });

  const operator = createHealthServer({ host: env.HEALTH_HOST, port: env.HEALTH_PORT, alive: () => !forcing, readiness, metrics: metrics.registry, status, ...(partners && !acks.publicServer ? { routes: partners.routes } : {}) });
  // Two listeners, one start and one stop: the operator routes must not be reachable from the
  // internet, the public ones must be (README "Acknowledgements and escalation").
  let publicPort: number | null = null;
  let stopAckRetention: (() => Promise<void>) | undefined;
  const health = {
    async listen() {
      const port = await operator.listen();
      stopAckRetention ??= acks.startRetention();
      if (acks.publicServer) {
        publicPort = await acks.publicServer.listen();
        logger.info({ publicPort }, 'public server listening');
      }
      return port;
    },
    async close() {
      await Promise.all([operator.close(), acks.publicServer?.close(), stopAckRetention?.()]);
    },
  };

  if (redis) releasers.add('redis', () => void redis.disconnect());
  if (contexts) releasers.add('context repository', () => contexts.close());
  releasers.add('channels', () => built.close());
  if (partners) releasers.add('partner connections', () => partners.close());
  releasers.add('rate limiters', () => limiters.stopAll());
  const lifecycle = createLifecycle({
    health,
    startQueue: queue
      ? async (signal) => {
          // Not awaited: a check, which must not hold the start (it logs what it could not read).
          if (jobPool && pools.ownedMax > 0) void warnOnConnectionBudget(jobPool, pools.ownedMax, pools.ownedOpen, logger);
          await database.retry(() => queue.start(), { maxWaitMs: 60_000, signal });
          await slackApp?.ensureScheduled().catch((error: unknown) => logger.warn({ err: error }, 'slack archive sweep not scheduled; the next start schedules it'));
        }
      : null,
    intake: source,
    deciding,
    deliveries: dispatcher,
    releasers,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    onDraining: () => (draining = true),
    describe: () => ({ subscriptions: worker.subscriptions.map((s) => s.name), channels: [...settings.availableChannels], ...(pool ? { replica: replicaName } : {}) }),
    logger,
  });

  return {
    start: lifecycle.start,
    stop: lifecycle.stop,
    forceStop() {
      forcing = true;
      lifecycle.forceStop();
    },
    readiness,
    status,
    busy: async () => {
      if (!queue) return deciding.inFlight() + dispatcher.pending();
      const { byLevel } = await queue.ledger.backlog();
      return deciding.inFlight() + Object.values(byLevel).reduce((a, b) => a + b, 0);
    },
    metrics,
    destinations,
    deadEvents,
    queue,
    publicPort: () => publicPort,
  };
}

function defaultLimit(channel: keyof ChannelRegistry, worker: Config['worker']) {
  // Partner deliveries carry their partner's own limit; this is only the fallback.
  return channel === 'webhook' || channel === 'partner' ? { max: 100, perMs: 60_000, maxConcurrent: 8 } : worker.limits[channel];
}
