import { LRUCache } from 'lru-cache';
import pRetry from 'p-retry';
import type { Logger } from '../../lib/logger';
import type { DeliveredMark, DeliveryLedger } from './delivery-ledger';

/** A ledger write after a send: a few quick tries (a failover, a dropped connection), then the job's own retry. */
const BOOKKEEPING_RETRY = { retries: 5, minTimeout: 100, maxTimeout: 2_000 } as const;

/**
 * The "delivered" writes of sends that succeeded. A failed write is retried as bookkeeping; if it
 * still fails the job fails (graphile-worker runs it again later) and the mark is kept here, so
 * that run only writes it: a message is never sent again because our own write failed.
 */
export class SentBookkeeping {
  private readonly unrecorded = new LRUCache<string, DeliveredMark>({ max: 10_000 });

  constructor(private readonly ledger: DeliveryLedger) {}

  /** A send of this delivery succeeded, but its mark is not written yet. */
  unwritten(id: string): DeliveredMark | undefined {
    return this.unrecorded.get(id);
  }

  /** The row is finished (written by this run or another replica's): nothing left to keep. */
  settled(id: string): void {
    this.unrecorded.delete(id);
  }

  async record(id: string, mark: DeliveredMark, log: Logger): Promise<void> {
    const pending = this.unrecorded.get(id) ?? mark;
    this.unrecorded.set(id, pending);
    await pRetry(() => this.ledger.markDelivered(id, pending), {
      ...BOOKKEEPING_RETRY,
      onFailedAttempt: ({ error, attemptNumber }) => log.warn({ err: error, attempt: attemptNumber }, 'sent, but the ledger write failed; retrying the write'),
    });
    this.unrecorded.delete(id);
  }
}
