import type { QueueConfig } from '../../config/worker-config.schema';

/**
 * Connections for deciding: context reads on a cache miss, persisting each change's deliveries,
 * event dead letters, in-app rows and the SMS sent-ledger. A burst of changes uses them all.
 */
export const DECIDE_POOL_SIZE = 10;

/**
 * Connections for delivering, in a pool of their own so that a burst of decisions (which took
 * every connection of a shared pool) cannot hold the deliveries back until it is over. Two
 * runners share it (delivery-runners.ts): the urgent one takes each of its `concurrency` jobs on
 * a connection (and completes them in batches) and holds one for LISTEN; the bulk one takes its
 * jobs in batches and completes them in batches, two statements at most in flight, and holds one
 * for LISTEN, so its workers need no connection each; the ledger's batched reads and "delivered"
 * writes keep one statement each in flight; one spare serves the rarer writes (reschedules, the
 * breaker). graphile-worker warns at start when its pool is smaller than its concurrency.
 */
export function jobPoolSize(queue: Pick<QueueConfig, 'concurrency'>): number {
  return queue.concurrency + 7;
}
