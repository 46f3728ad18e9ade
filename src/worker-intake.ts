import type { Pool } from 'pg';
import type { Config } from './config/load-config';
import { ChangeIntake, type ChangeIntakeOptions } from './intake/change-intake';
import { DedupeWindow } from './intake/dedupe-window';
import { createPgLeaseStore } from './intake/lease-store';
import { createRealtimeClient, type RealtimeClientLike, type RealtimeHooks } from './intake/realtime-client';
import type { LeaseEvent } from './intake/stream-leases';
import type { Logger } from './lib/logger';
import type { Metrics } from './outcome/metrics';

export interface WorkerIntakeParts {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly pool: Pool | null;
  /** The lease beat's own connection (database-pools.ts); the pool when there is none. */
  readonly leasePool: Pool | undefined;
  /** This replica's name in the intake leases. */
  readonly replicaName: string;
  readonly now: () => number;
  readonly onEvent: ChangeIntakeOptions['onEvent'];
  readonly overloaded?: ChangeIntakeOptions['overloaded'];
  /** Replaces the real supabase-js client factory (tests tune its reconnect timings). */
  readonly connectRealtime?: (hooks: RealtimeHooks) => RealtimeClientLike;
}

/** The intake as the worker runs it: the real supabase-js client, the configured streams, and with a database, leases. */
export function createWorkerIntake(parts: WorkerIntakeParts): ChangeIntake {
  const { config, metrics, pool } = parts;
  const { env, worker } = config;
  const logger = parts.logger.child({ component: 'intake' });
  return new ChangeIntake({
    subscriptions: worker.subscriptions,
    intake: worker.intake,
    logger,
    connect:
      parts.connectRealtime ??
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
      logger.warn({ reason: 'undecodable_frame', detail: error instanceof Error ? error.message : String(error) }, 'change rejected');
    },
    db: pool,
    dedupe: new DedupeWindow(worker.intake.dedupeWindowMs, worker.intake.dedupeMaxEntries),
    metrics,
    onEvent: parts.onEvent,
    ...(parts.overloaded ? { overloaded: parts.overloaded } : {}),
    onCatchUp: (report) => metrics.changesRecovered.inc(report.recovered),
    // With a database, replicas split the streams; alone in memory, this process holds them all.
    ...(pool
      ? {
          leases: {
            store: createPgLeaseStore(parts.leasePool ?? pool),
            holder: parts.replicaName,
            ttlMs: worker.intake.leaseTtlMs,
            renewEveryMs: worker.intake.leaseRenewMs,
            onEvent: (event: LeaseEvent) => metrics.leaseEvents.inc({ event }),
          },
        }
      : {}),
    now: parts.now,
  });
}
