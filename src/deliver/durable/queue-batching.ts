/**
 * graphile-worker's batched completion and its local queue, on for both delivery runners
 * (delivery-runners.ts). bench/ figure 5: a delivery's own statements are batched already, so
 * graphile-worker's take and delete, one each per job, were most of what was left of its round
 * trips. Finished jobs are deleted together, one statement per `completeJobBatchDelay`; a runner
 * takes up to `localQueue.size` jobs in one statement.
 *
 * Why it is safe here: a delivery's outcome is in the ledger before its task returns, and a run of
 * a job whose row is no longer pending does nothing (durable-queue.ts, runJob). So a job that runs
 * again because its deletion was still waiting in the batch when the process died, or because a
 * dead process's local queue was unlocked, costs one ledger read and sends nothing. graphile-worker
 * stops a runner whose batched deletion fails (in 0.18.0 its batch gives up at the first failed
 * statement: the retry loop breaks in its catch); the supervisor starts another, and the stopped
 * runner's locked jobs, its local queue's among them (locked under the pool's id), are unlocked at
 * the next beat (worker-liveness.ts, `retire`).
 *
 * The local queue runs what it fetched before anything added since, however urgent. Measured in
 * figure 4 with one runner for every delivery: a normal delivery took the slot ahead of a critical
 * one in 2 of 3 trials. So critical and high deliveries have a runner of their own
 * (delivery-tasks.ts): a critical delivery can wait behind at most `localQueue.size` high ones
 * fetched before it, a normal one behind as many low ones, and the destination's limiter orders
 * them again.
 */
export interface QueueBatching {
  readonly completeJobBatchDelay: number;
  /** Failures are rare: batched for the awaited, supervised path (durable-queue.ts), not for company. */
  readonly failJobBatchDelay: number;
  readonly localQueue?: { readonly size: number };
}

/**
 * How long a finished job's delete waits for company. At ~1,000 jobs a second, 10 ms carries ~10
 * deletes a statement; longer only keeps finished jobs locked longer.
 */
export const COMPLETE_JOB_BATCH_DELAY_MS = 10;

/**
 * `localQueueSize` 0: jobs taken one at a time (figure 5's bare baseline). Otherwise at least the
 * runner's concurrency (graphile-worker warns below it: workers would wait for the next batch).
 */
export function queueBatching(localQueueSize = 0): QueueBatching {
  return {
    completeJobBatchDelay: COMPLETE_JOB_BATCH_DELAY_MS,
    failJobBatchDelay: 0,
    ...(localQueueSize > 0 ? { localQueue: { size: localQueueSize } } : {}),
  };
}
