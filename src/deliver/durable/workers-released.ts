import type { WorkerEvents } from 'graphile-worker';

/**
 * Settles once a graphile-worker pool has no job of ours running any more: its graceful shutdown
 * released every worker, a forceful one gave up on them, or the pool was released.
 *
 * Waiting for the runner's own promise is not enough. In graphile-worker 0.18.0 the batcher that
 * completes (and fails) jobs miscounts after its second failed batch: `allgood()` never clears
 * its back-pressure, so every later batch decrements the pending count once more, the count goes
 * below zero, and `release()` waits for it to reach zero for ever. The pool then never
 * terminates, its promise never settles and 'pool:release' never fires. Two failed batches are
 * what a database restart with jobs in flight produces (seen in test/e2e/database-restart).
 */
export function workersReleased(events: WorkerEvents): Promise<void> {
  return new Promise((resolve) => {
    const done = () => resolve();
    events.once('pool:gracefulShutdown:complete', done);
    events.once('pool:forcefulShutdown:complete', done);
    events.once('pool:forcefulShutdown:error', done);
    events.once('pool:release', done);
  });
}
