import type { QueueConfig } from '../../config/worker-config.schema';

/**
 * Connections for deciding: context reads on a cache miss, persisting each change's deliveries,
 * event dead letters, in-app rows and the SMS sent-ledger. A burst of changes uses them all.
 */
export const DECIDE_POOL_SIZE = 10;

/**
 * Connections for delivering, in a pool of their own so that a burst of decisions (which took
 * every connection of a shared pool) cannot hold the deliveries back until it is over:
 * graphile-worker takes and completes each of its `concurrency` jobs on a connection of this
 * pool, and holds one more for LISTEN; the ledger's batched reads and "delivered" writes keep
 * one statement each in flight; one spare serves the rarer writes (reschedules, the breaker, the
 * heartbeat). graphile-worker warns at start when its pool is smaller than its concurrency.
 */
export function jobPoolSize(queue: Pick<QueueConfig, 'concurrency'>): number {
  return queue.concurrency + 4;
}
