import type { QueueConfig } from '../../config/worker-config.schema';

/**
 * Connections for deciding: context reads on a cache miss, persisting each change's deliveries,
 * digest holds and escalation timers, event dead letters. A burst of changes uses them all.
 */
export const DECIDE_POOL_SIZE = 10;

/**
 * Connections for delivering, in a pool of their own so that a burst of decisions (which took
 * every connection of a shared pool) cannot hold the deliveries back until it is over. Two
 * runners share it (delivery-runners.ts), each taking its jobs in batches and completing them in
 * batches, two statements at most in flight, and holding one connection for LISTEN, so their
 * workers need no connection each; the ledger's batched reads and "delivered" writes keep one
 * statement each in flight; the spare serves the rarer writes (reschedules, put-backs, the
 * breaker) and the sends that write to this database (in-app rows, the SMS sent-ledger), each one
 * short statement inside a job's slot.
 *
 * That is ~10 connections in use, and pg opens no more than are asked for at once; the pool's
 * bound is larger only because graphile-worker warns at start when it is smaller than a runner's
 * concurrency. Until stop 26 the urgent runner took one job a connection, and then the bound
 * mattered: with 15 connections for 32 urgent workers, two 2-minute Saturdays (bench/ figure 11)
 * spent 0.67 and 0.88 of a core of PostgreSQL on the urgent runner's takes (0.023 with 39).
 */
export function jobPoolSize(queue: Pick<QueueConfig, 'concurrency' | 'urgentConcurrency'>): number {
  return Math.max(queue.urgentConcurrency, queue.concurrency) + 7;
}
