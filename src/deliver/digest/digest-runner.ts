import type { Delivery } from '../../decide/delivery';
import type { Logger } from '../../lib/logger';
import type { DeliveryRunner, DrainResult } from '../dispatcher';
import type { SqlClient } from '../durable/delivery-ledger';
import { BatchedStatement } from '../../lib/batched-statement';
import { isTransientDatabaseError } from '../../lib/database-health';
import { DIGEST_TASK } from './digest-delivery';
import type { DigestStore } from './digest-store';

/** Changes whose held deliveries one statement writes at most. */
const MAX_CHANGES_A_STATEMENT = 200;

/**
 * The durable queue with digests in front: what the planner held for a digest waits in
 * digest_items; everything else goes to the queue as before.
 *
 * The holds of changes decided at the same time are written by one statement, as their other
 * deliveries are (batched-enqueue.ts): a statement a change was a commit and a NOTIFY each, and
 * on a wedding Saturday most changes hold an email (bench/ figure 11).
 */
export class DigestingRunner implements DeliveryRunner {
  private readonly holds: BatchedStatement<readonly Delivery[], void>;

  constructor(
    private readonly inner: DeliveryRunner,
    store: DigestStore,
    /** Where holds are written: the deciding side's pool, as the queue's own submissions are. */
    holdDb: SqlClient,
  ) {
    this.holds = new BatchedStatement<readonly Delivery[], void>(
      async (changes) => {
        await store.holdMany(changes.flat(), holdDb);
        return changes.map(() => undefined);
      },
      MAX_CHANGES_A_STATEMENT,
      (error) => !isTransientDatabaseError(error),
    );
  }

  async submit(deliveries: readonly Delivery[]): Promise<void> {
    // Critical and high are never digested, whatever a caller marked: they go to the queue.
    const digestible = (d: Delivery) => d.digest !== undefined && (d.priority.level === 'normal' || d.priority.level === 'low');
    const held = deliveries.filter(digestible);
    const rest = held.length === 0 ? deliveries : deliveries.filter((d) => !digestible(d));
    await Promise.all([held.length > 0 ? this.holds.add(held) : undefined, rest.length > 0 ? this.inner.submit(rest) : undefined]);
  }

  pending(): number {
    return this.inner.pending();
  }

  drain(deadlineMs: number): Promise<DrainResult> {
    return this.inner.drain(deadlineMs);
  }

  forceAbort(): void {
    this.inner.forceAbort();
  }
}

/** The graphile-worker task that turns a window's held messages into their digest. */
export function digestTasks(store: DigestStore, logger: Logger): Record<string, (payload: unknown) => Promise<void>> {
  return {
    [DIGEST_TASK]: async (payload: unknown) => {
      const key = (payload as { key?: unknown } | null)?.key;
      if (typeof key !== 'string') return;
      const collected = await store.collect(key);
      // A second job for a key already collected (a replayed or duplicate job) finds nothing: by design.
      if (collected) logger.info({ deliveryId: collected.digestId, items: collected.items }, 'digest queued');
      else logger.debug('digest job found nothing held; already sent');
    },
  };
}
