import type { Pool } from 'pg';
import type { Config } from './config/load-config';
import { DECIDE_POOL_SIZE, jobPoolSize } from './deliver/durable/pool-size';
import { enforceStatementTimeout, openPool } from './lib/pg-pools';
import type { Logger } from './lib/logger';
import type { Releasers } from './lib/releasers';

/** The worker's connections to its database: null where it runs in memory (no DATABASE_URL). */
export interface DatabasePools {
  /** Deciding: context reads, the intake's cursors, the ledger of what was decided. */
  readonly pool: Pool | null;
  /** Delivering: graphile-worker's jobs and the ledger's outcomes. */
  readonly jobPool: Pool | null;
  /** One connection for the process's heart-beat. */
  readonly heartbeatPool: Pool | undefined;
  /** One connection for the intake leases' beat. */
  readonly leasePool: Pool | undefined;
  /** The most the pools opened here may hold together (given pools are the caller's). */
  readonly ownedMax: number;
  /** Connections the pools opened here hold now. */
  ownedOpen(): number;
  /** Each pool opened here, by role: open, idle, and queries waiting for a connection. */
  counts(): Record<string, { open: number; idle: number; waiting: number }>;
}

/**
 * Pools apart by what must not wait for what (README, "queue"): a burst of decisions holding every
 * connection must not hold deliveries back, nor the heart-beat (others would take this process's
 * jobs and send them twice), nor the lease beat (a stream would change hands). Pools the caller
 * gave are used as they are, with the same deadlines; those opened here are released last.
 */
export function openDatabasePools(config: Config, logger: Logger, releasers: Releasers, given: { pool?: Pool; jobPool?: Pool } = {}): DatabasePools {
  const { env, worker } = config;
  const url = env.DATABASE_URL;
  const { statementTimeoutMs } = worker.database;
  const owned = new Map<string, Pool>();
  const open = (connectionString: string, role: string, max: number) => {
    const opened = openPool(connectionString, { max, statementTimeoutMs, role });
    owned.set(role, opened);
    return opened;
  };
  const ownedPool = !given.pool && url ? open(url, 'deciding', DECIDE_POOL_SIZE) : undefined;
  const pool = given.pool ?? ownedPool ?? null;
  if (given.pool) enforceStatementTimeout(given.pool, statementTimeoutMs);
  const ownedJobPool = ownedPool && url ? open(url, 'delivering', jobPoolSize(worker.queue)) : undefined;
  const jobPool = given.jobPool ?? ownedJobPool ?? pool;
  if (given.jobPool) enforceStatementTimeout(given.jobPool, statementTimeoutMs);
  const heartbeatPool = pool && url ? open(url, 'heart-beat', 1) : undefined;
  heartbeatPool?.on('error', (error) => logger.warn({ err: error }, 'idle heart-beat connection failed'));
  const leasePool = pool && url ? open(url, 'lease', 1) : undefined;
  leasePool?.on('error', (error) => logger.warn({ err: error }, 'idle lease connection failed'));
  for (const opened of [ownedPool, ownedJobPool]) {
    // The pool is told apart from a failed query: an idle client's error must not crash the process.
    opened?.on('error', (error) => logger.warn({ err: error }, 'idle database connection failed'));
  }
  for (const shared of new Set([pool, jobPool])) {
    // A client's own error (the server went away mid-query) is reported by the query that failed.
    shared?.on('connect', (client) => client.on('error', (error) => logger.debug({ err: error }, 'database connection failed')));
  }
  if (ownedPool) releasers.add('database pool', () => ownedPool.end());
  if (ownedJobPool) releasers.add('delivery database pool', () => ownedJobPool.end());
  if (heartbeatPool) releasers.add('heart-beat pool', () => heartbeatPool.end());
  if (leasePool) releasers.add('lease pool', () => leasePool.end());
  return {
    pool,
    jobPool,
    heartbeatPool,
    leasePool,
    ownedMax: [...owned.values()].reduce((n, p) => n + (p.options.max ?? 10), 0),
    ownedOpen: () => [...owned.values()].reduce((n, p) => n + p.totalCount, 0),
    counts: () => Object.fromEntries([...owned].map(([role, p]) => [role, { open: p.totalCount, idle: p.idleCount, waiting: p.waitingCount }])),
  };
}
