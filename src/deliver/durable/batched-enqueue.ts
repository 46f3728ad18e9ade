import type { Delivery } from '../../decide/delivery';
import { BatchedStatement } from '../../lib/batched-statement';
import { isTransientDatabaseError } from '../../lib/database-health';
import type { DeliveryLedger, SqlClient } from './delivery-ledger';

/** Changes whose deliveries one statement carries at most: ~2-8 deliveries each, ~1 KB a delivery. */
const MAX_CHANGES_A_STATEMENT = 200;

/**
 * The deliveries of changes decided at the same time, persisted together: one statement (rows
 * and jobs, as DeliveryLedger.enqueue writes them) for all the changes that finished deciding
 * while the previous one was in flight. A burst of 1,000 changes was 1,000 inserts on 10
 * connections, each its own commit; now it is a handful (bench/ figure 8).
 *
 * Each change's promise still settles only when the statement carrying its deliveries has
 * committed, so "decided" in the log still means persisted, and a change whose write failed is
 * not acknowledged. A batch refused for its data (not for an unreachable database) is written
 * again change by change, so one faulty change cannot take the others down with it.
 */
interface ChangeDeliveries {
  readonly deliveries: readonly Delivery[];
  /** First runs due later than at once, by delivery id (DeliveryLedger.enqueue). */
  readonly turns: ReadonlyMap<string, number> | undefined;
}

export class BatchedEnqueue {
  private readonly statement: BatchedStatement<ChangeDeliveries, string[]>;

  constructor(ledger: DeliveryLedger, db: SqlClient) {
    this.statement = new BatchedStatement(
      async (changes) => {
        // A delivery id is planned once, but two copies of a change could meet in one batch.
        const unique = new Map<string, Delivery>();
        const turns = new Map<string, number>();
        for (const change of changes) {
          for (const d of change.deliveries) if (!unique.has(d.id)) unique.set(d.id, d);
          for (const [id, atMs] of change.turns ?? []) turns.set(id, atMs);
        }
        const fresh = new Set(await ledger.enqueue([...unique.values()], db, false, turns));
        const claimed = new Set<string>();
        return changes.map(({ deliveries }) =>
          deliveries.filter((d) => fresh.has(d.id) && !claimed.has(d.id) && claimed.add(d.id)).map((d) => d.id),
        );
      },
      MAX_CHANGES_A_STATEMENT,
      (error) => !isTransientDatabaseError(error),
    );
  }

  /** Persists one change's deliveries with whatever else is waiting; resolves with the ids that were new. */
  enqueue(deliveries: readonly Delivery[], turns?: ReadonlyMap<string, number>): Promise<string[]> {
    if (deliveries.length === 0) return Promise.resolve([]);
    return this.statement.add({ deliveries, turns });
  }
}
