import type { RetentionConfig } from '../../config/worker-config.schema';
import type { Logger } from '../../lib/logger';
import type { SqlPool } from './delivery-ledger';

// One replica prunes at a time; the others skip that round rather than wait.
const LOCK_KEY = 'wedsync:ledger-retention';
// Deleted in slices, so each statement stays well inside the statement timeout.
const SLICE = 5_000;

export interface Pruned {
  readonly deliveries: number;
  readonly deadEvents: number;
}

/**
 * Retention of the ledger: finished deliveries and dead events older than their configured age
 * are deleted, by the worker itself, every `pruneEveryMs`. Pending deliveries are never pruned.
 */
export class LedgerRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly pool: SqlPool,
    private readonly config: RetentionConfig,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    if (this.timer) return;
    const round = () => {
      this.running ??= this.prune()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'ledger retention failed; the next round tries again'))
        .finally(() => (this.running = undefined));
    };
    this.timer = setInterval(round, this.config.pruneEveryMs);
    this.timer.unref();
    round();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round; null when another replica holds the round. */
  async prune(): Promise<Pruned | null> {
    const nowMs = this.now();
    const cutoff = (ageMs: number) => new Date(nowMs - ageMs).toISOString();
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      const { rows } = await client.query<{ got: boolean }>('select pg_try_advisory_xact_lock(hashtext($1)) as got', [LOCK_KEY]);
      if (!rows[0]?.got) {
        await client.query('rollback');
        return null;
      }
      const deliveries = await sliced(() =>
        client.query(
          `delete from deliveries where id in (
             select id from deliveries
             where finished_at is not null and ((status = 'delivered' and finished_at < $1) or (status in ('dead', 'failed_over') and finished_at < $2))
             limit ${SLICE})`,
          [cutoff(this.config.deliveredMs), cutoff(this.config.deadLetterMs)],
        ),
      );
      const deadEvents = await sliced(() =>
        client.query(`delete from dead_events where event_id in (select event_id from dead_events where created_at < $1 limit ${SLICE})`, [cutoff(this.config.deadEventMs)]),
      );
      await client.query('commit');
      if (deliveries + deadEvents > 0) this.logger.info({ deliveries, deadEvents }, 'ledger retention pruned old rows');
      return { deliveries, deadEvents };
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

async function sliced(statement: () => Promise<{ rowCount: number | null }>): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await statement();
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < SLICE) return total;
  }
}
