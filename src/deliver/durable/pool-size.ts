import type { QueueConfig } from '../../config/worker-config.schema';

/**
 * Connections for deciding: context reads on a cache miss, persisting each change's deliveries,
 * digest holds and escalation timers, event dead letters. A burst of changes uses them all.
 */
export const DECIDE_POOL_SIZE = 10;

/**
 * Connections for delivering, in a pool of their own so that a burst of decisions (which took
 * every connection of a shared pool) cannot hold the deliveries back until it is over. Two
 * runners share it (delivery-runners.ts): the urgent one takes each of its `urgentConcurrency` jobs on
 * a connection (and completes them in batches) and holds one for LISTEN; the bulk one takes its
 * jobs in batches and completes them in batches, two statements at most in flight, and holds one
 * for LISTEN, so its workers need no connection each; the ledger's batched reads and "delivered"
 * writes keep one statement each in flight; the spare serves the rarer writes (reschedules, the
 * breaker) and the sends that write to this database (in-app rows, the SMS sent-ledger), each one
 * short statement inside a job's slot. graphile-worker warns at start when its pool is smaller
 * than a runner's concurrency, hence the larger of the two.
 *
 * Smaller looks enough, since a worker holds a connection only to take its job, never while it
 * sends (sampled every 2 s, a Saturday at 500 changes a second showed at most 15 statements active
 * on the whole machine), but it is not: with 15 connections for 32 urgent workers, two 2-minute
 * Saturdays (bench/ figure 11) spent 0.67 and 0.88 of a core of PostgreSQL on the urgent runner's
 * takes (0.023 with 39) and delivered 38 % and 58 % of the critical in-app deliveries 39 did. The
 * price is connections: 51 a replica by default, most of them opened at start, when every urgent
 * worker takes at once; a deployment of several replicas lowers `urgentConcurrency` to fit.
 */
export function jobPoolSize(queue: Pick<QueueConfig, 'concurrency' | 'urgentConcurrency'>): number {
  return Math.max(queue.urgentConcurrency, queue.concurrency) + 7;
}
