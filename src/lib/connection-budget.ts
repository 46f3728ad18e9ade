import type { Pool } from 'pg';
import type { Logger } from './logger';

export interface ConnectionBudget {
  /** Connections the server lets ordinary roles open: max_connections less the reserved ones. */
  readonly allowed: number;
  /** Client connections open now that are not this replica's. */
  readonly inUseByOthers: number;
  /** The most this replica's pools may open. */
  readonly replicaMax: number;
}

/**
 * Read at start: when this replica's pools could take the server past its limit, every replica's
 * next connection fails with "sorry, too many clients already", and at the busiest moment, when
 * the pools fill. Said once, at start, with the numbers on-call needs (an info line when it fits); a warning, not a refusal,
 * since pools open lazily and the others may never fill theirs.
 */
export async function readConnectionBudget(db: Pool, replicaMax: number, openByReplica: () => number): Promise<ConnectionBudget> {
  const { rows } = await db.query<{ allowed: number; in_use: number }>(
    // reserved_connections (PostgreSQL 16+) is kept for roles granted pg_use_reserved_connections.
    `select current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
              - coalesce(nullif(current_setting('reserved_connections', true), '')::int, 0) as allowed,
            (select count(*)::int from pg_stat_activity where backend_type = 'client backend') as in_use`,
  );
  const { allowed, in_use } = rows[0]!;
  // Read after the count: a connection of ours opened meanwhile is taken off, not blamed on others
  // (a warning too few, never one too many).
  return { allowed, inUseByOthers: Math.max(0, in_use - openByReplica()), replicaMax };
}

export async function warnOnConnectionBudget(db: Pool, replicaMax: number, openByReplica: () => number, logger: Logger): Promise<void> {
  let budget: ConnectionBudget;
  try {
    budget = await readConnectionBudget(db, replicaMax, openByReplica);
  } catch (error) {
    logger.debug({ err: error }, 'connection budget not read');
    return;
  }
  if (budget.inUseByOthers + budget.replicaMax <= budget.allowed) return void logger.info(budget, 'database connections: this replica fits beside the others');
  logger.warn(
    { ...budget, fix: 'lower queue.urgentConcurrency (the delivering pool grows with it; README, queue) or raise max_connections' },
    'the database may run out of connections: this replica can open more than the server has left',
  );
}
