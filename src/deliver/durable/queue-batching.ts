/**
 * graphile-worker's batched fetching and completion, on for the deliveries' runner (bench/
 * figure 5: a delivery's own statements are batched already, so graphile-worker's take and
 * delete, one each per job, were most of what was left of its round trips).
 *
 * Why they are safe here: a delivery's outcome is in the ledger before its task returns, and a
 * run of a job whose row is no longer pending does nothing (durable-queue.ts, runJob). So a job
 * that runs again — its completion was still waiting in the batch when the process died, or a
 * local queue's jobs were unlocked after a crash — costs one ledger read and sends nothing.
 *
 * What they cost: jobs fetched into the local queue are locked by this process and wait for a
 * free worker here (at most `concurrency` of them, so one more job's wait at worst); a job added
 * meanwhile, however urgent, is fetched once the local queue is empty — which under load is a
 * few milliseconds, as the local queue is refilled whenever it runs dry. A crashed process's
 * local queue is unlocked by the liveness sweep (worker-liveness.ts: graphile-worker locks them
 * under the pool's id, which the sweep knows), not after graphile-worker's four hours.
 */
export interface QueueBatching {
  readonly localQueue: { readonly size: number };
  readonly completeJobBatchDelay: number;
}

/**
 * How long a finished job's delete waits for company. Measured in figure 5 on this 2-core box: at
 * ~1,000 jobs a second, 10 ms carries ~10 deletes a statement; longer only keeps jobs locked longer.
 */
export const COMPLETE_JOB_BATCH_DELAY_MS = 10;

export function queueBatching(concurrency: number): QueueBatching {
  // graphile-worker warns when its local queue is smaller than the concurrency it feeds.
  return { localQueue: { size: concurrency }, completeJobBatchDelay: COMPLETE_JOB_BATCH_DELAY_MS };
}
