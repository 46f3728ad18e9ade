import type { RetentionConfig } from '../config/worker-config.schema';
import type { SqlClient } from '../deliver/durable/delivery-ledger';
import type { Logger } from '../lib/logger';

const SLICE = 5_000;

/**
 * Acknowledgements, spent links and closed escalations are kept as long as the ledger keeps the
 * deliveries they answer (`retention.deliveredMs`); waiting ones are never pruned. Slices keep
 * each statement short; two replicas pruning at once only delete the same rows.
 */
export async function pruneAcknowledgements(db: SqlClient, config: RetentionConfig, nowMs: number): Promise<number> {
  const cutoff = new Date(nowMs - config.deliveredMs).toISOString();
  let pruned = 0;
  for (const sql of [
    `delete from acknowledgements where event_id in (select event_id from acknowledgements where acknowledged_at < $1 limit ${SLICE})`,
    `delete from ack_link_uses where delivery_id in (select delivery_id from ack_link_uses where used_at < $1 limit ${SLICE})`,
    `delete from escalations where event_id in (select event_id from escalations where state <> 'waiting' and updated_at < $1 limit ${SLICE})`,
  ]) {
    for (;;) {
      const { rowCount } = await db.query(sql, [cutoff]);
      pruned += rowCount ?? 0;
      if ((rowCount ?? 0) < SLICE) break;
    }
  }
  return pruned;
}

/** Runs the pruning every `pruneEveryMs` (and once at start) until stopped. */
export function startAckRetention(db: SqlClient, config: RetentionConfig, logger: Logger, now: () => number): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const round = () => {
    running ??= pruneAcknowledgements(db, config, now())
      .then((n) => n > 0 && logger.info({ rows: n }, 'acknowledgement retention pruned old rows'))
      .catch((error: unknown) => logger.warn({ err: error }, 'acknowledgement retention failed; the next round tries again'))
      .finally(() => (running = undefined));
  };
  const timer = setInterval(round, config.pruneEveryMs);
  timer.unref();
  round();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
