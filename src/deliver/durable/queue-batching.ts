/**
 * graphile-worker's batched completion, on for the deliveries' runner (bench/ figure 5: a
 * delivery's own statements are batched already, so graphile-worker's take and delete, one each
 * per job, were most of what was left of its round trips). Finished jobs are deleted together,
 * one statement per `completeJobBatchDelay`.
 *
 * Why it is safe here: a delivery's outcome is in the ledger before its task returns, and a run of
 * a job whose row is no longer pending does nothing (durable-queue.ts, runJob). So a job that runs
 * again because its deletion was still waiting in the batch when the process died costs one
 * ledger read and sends nothing. graphile-worker stops a runner whose batched deletion fails (in
 * 0.18.0 its batch gives up at the first failed statement: the retry loop breaks in its catch); the
 * supervisor starts another, and the stopped runner's locked jobs are unlocked at the next beat
 * (worker-liveness.ts, `retire`).
 *
 * Its local queue (`localQueue`: take jobs in batches) is left off: it holds up to `concurrency`
 * jobs fetched before a critical one was added, and those run first. Measured in figure 4 (a
 * critical delivery behind 10,000 normal ones at 1 a second, load average ~12): with it, a normal
 * delivery took the slot ahead of the critical one in 2 of 3 trials and the wait was 859–1,177
 * ms; without it 0–1 of 3 (the one from a pickup slower than the slot under that load, which the
 * previous tree showed too). Critical first matters more than the take statement it would save.
 */
export interface QueueBatching {
  readonly completeJobBatchDelay: number;
  /** Failures are rare: batched for the awaited, supervised path (durable-queue.ts), not for company. */
  readonly failJobBatchDelay: number;
}

/**
 * How long a finished job's delete waits for company. At ~1,000 jobs a second, 10 ms carries ~10
 * deletes a statement; longer only keeps finished jobs locked longer.
 */
export const COMPLETE_JOB_BATCH_DELAY_MS = 10;

export function queueBatching(): QueueBatching {
  return { completeJobBatchDelay: COMPLETE_JOB_BATCH_DELAY_MS, failJobBatchDelay: 0 };
}
