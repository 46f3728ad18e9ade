import type { PoolClient } from 'pg';
import type { StoredDelivery } from '../stored-delivery';
import { BatchedStatement } from '../../lib/batched-statement';
import { deliverTaskSql, JOB_MAX_ATTEMPTS, JOB_PRIORITY_SQL } from './delivery-tasks';
import { putBackJobs, queueFirstJobs, rescheduleJob, type PutBack, type RescheduleAt } from './job-reschedule';
import { INSERT_LEDGER_ROWS, ledgerInput } from './ledger-insert';
import { filterSql, listDeliveries, pendingBacklog, type Backlog, type DeliveryStatus, type LedgerEntry, type LedgerFilter } from './ledger-reads';

export { jobPriority } from './ledger-insert';
export type { Backlog, DeliveryStatus, LedgerEntry, LedgerFilter } from './ledger-reads';

interface DeliveredRow {
  readonly id: string;
  readonly attempts: number;
  readonly status: number | null;
  readonly provider_message_id: string | null;
}

/** What a successful send leaves to write. */
export interface DeliveredMark {
  readonly attempts: number;
  readonly status?: number;
  readonly providerMessageId?: string;
}

/** pg's Pool, or a client inside a transaction. */
export interface SqlClient {
  query<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}
export interface SqlPool extends SqlClient {
  connect(): Promise<PoolClient>;
}

export { DELIVER_BULK_TASK, DELIVER_TASK } from './delivery-tasks';
export interface LedgerRow {
  readonly id: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly runs: number;
  /** Without the addresses and secrets the tenant tables hold (see stored-delivery.ts). */
  readonly payload: StoredDelivery;
  /** Its destination's row in destination_health, read in the same statement; null when it has none. */
  readonly health: DestinationHealthRow | null;
}

/** What the circuit breaker keeps per destination (see destination-breaker.ts). */
export interface DestinationHealthRow {
  readonly openUntil: Date | null;
  readonly disabledReason: string | null;
  readonly consecutiveFailures: number;
  /** The database's clock, which the open-until time is compared against. */
  readonly now: Date;
}

/**
 * The deliveries table and its graphile-worker jobs, always written together in one statement or
 * transaction, so a delivery is never persisted without the job that runs it, nor the reverse.
 */
export class DeliveryLedger {
  private readonly gw: string;

  constructor(
    private readonly pool: SqlPool,
    queueSchema: string,
  ) {
    this.gw = `"${queueSchema.replace(/"/g, '')}"`;
  }

  /**
   * Persists deliveries not seen before and queues their first run; returns the ids that were new.
   * On its own the statement is one commit, with graphile-worker's NOTIFY so that any replica's idle
   * worker takes the jobs at once. Inside a transaction of the caller's (`quiet`), the jobs are
   * written without it (job-reschedule.ts `queueFirstJobs` says why). `turns`, by delivery id: a
   * first run due later than at once (a busy destination's turn, durable-queue.ts).
   */
  async enqueue(deliveries: readonly StoredDelivery[], db: SqlClient = this.pool, quiet = false, turns?: ReadonlyMap<string, number>): Promise<string[]> {
    if (deliveries.length === 0) return [];
    const input = JSON.stringify(deliveries.map((d) => ledgerInput(d, turns?.get(d.id))));
    if (quiet) {
      const { rows: inserted } = await db.query<{ id: string }>(`${INSERT_LEDGER_ROWS} select id from inserted`, [input]);
      const ids = inserted.map((r) => r.id);
      const unqueued = await queueFirstJobs(db, this.gw, ids);
      if (unqueued.length > 0) await db.query(`select ${this.addJobsOfRows()} from deliveries where id = any($1::text[])`, [unqueued]);
      return ids;
    }
    const { rows: inserted } = await db.query<{ id: string }>(
      `${INSERT_LEDGER_ROWS}, jobs as (
         select ${this.gw}.add_jobs(array(
           select json_populate_record(null::${this.gw}.job_spec, json_build_object(
             'identifier', ${deliverTaskSql('i.priority')}, 'payload', json_build_object('id', i.id), 'run_at', coalesce(i.first_run, now()),
             'job_key', i.id, 'priority', i.job_priority, 'max_attempts', ${JOB_MAX_ATTEMPTS}))
           from inserted n join input i using (id))) as added
       )
       select n.id from inserted n, (select count(*) from jobs) as forced`,
      [input],
    );
    return inserted.map((r) => r.id);
  }

  /** graphile-worker's add_jobs over the ledger rows selected: their first runs, due at next_attempt_at. */
  private addJobsOfRows(): string {
    return `${this.gw}.add_jobs(array_agg(json_populate_record(null::${this.gw}.job_spec, json_build_object(
      'identifier', ${deliverTaskSql('priority')}, 'payload', json_build_object('id', id), 'run_at', next_attempt_at,
      'job_key', id, 'priority', ${JOB_PRIORITY_SQL}, 'max_attempts', ${JOB_MAX_ATTEMPTS}))))`;
  }

  /** Deliveries not finished yet, by level, and the age of the oldest pending critical one. */
  backlog(): Promise<Backlog> {
    return pendingBacklog(this.pool);
  }

  /** Rows without their payload, newest first. */
  list(filter: LedgerFilter): Promise<LedgerEntry[]> {
    return listDeliveries(this.pool, filter);
  }

  /**
   * Puts dead letters matching the filter back in the queue, under their own ids: a receiver that
   * saw an earlier attempt recognises the replay by its webhook-id. Returns the ids requeued.
   */
  async replay(filter: Omit<LedgerFilter, 'status' | 'limit'>): Promise<string[]> {
    const { sql, values } = filterSql({ ...filter, status: 'dead' });
    const { rows } = await this.pool.query<{ id: string }>(
      `with revived as (
         -- A replayed message is sent now, whatever its original deadline said.
         update deliveries set status = 'pending', runs = 0, dead_reason = null, finished_at = null, deadline = null,
           payload = jsonb_set(payload, '{deadlineMs}', 'null'::jsonb), next_attempt_at = now(), updated_at = now()
         where id in (select id from deliveries ${sql})
         returning id, priority, ${JOB_PRIORITY_SQL} as job_priority
       ), jobs as (
         select ${this.gw}.add_jobs(array(
           select json_populate_record(null::${this.gw}.job_spec, json_build_object(
             'identifier', ${deliverTaskSql('priority')}, 'payload', json_build_object('id', id), 'job_key', id,
             'priority', job_priority, 'max_attempts', ${JOB_MAX_ATTEMPTS}))
           from revived)) as added
       )
       select id from revived, (select count(*) from jobs) as forced`,
      values,
    );
    return rows.map((r) => r.id);
  }

  /**
   * The row a run needs, with its destination's breaker state. Batched: the runs that start while
   * one read is in flight share the next (bench/ figure 5 — round trips bound the durable path).
   * An urgent run's read has a line of its own, so it never waits behind a read of bulk rows.
   */
  load(id: string, urgent = false): Promise<LedgerRow | null> {
    return (urgent ? this.urgentLoads : this.loads).add(id);
  }

  private readonly readRows = async (ids: readonly string[]): Promise<(LedgerRow | null)[]> => {
    const { rows } = await this.pool.query<Omit<LedgerRow, 'health'> & { open_until: Date | null; disabled_reason: string | null; consecutive_failures: number | null; now: Date }>(
      `select d.id, d.status, d.attempts, d.runs, d.payload, h.open_until, h.disabled_reason, h.consecutive_failures, now() as now
       from deliveries d left join destination_health h on h.destination = d.destination
       where d.id = any($1::text[])`,
      [ids],
    );
    const byId = new Map(
      rows.map(({ open_until, disabled_reason, consecutive_failures, now, ...ledger }) => {
        const health = consecutive_failures === null ? null : { openUntil: open_until, disabledReason: disabled_reason, consecutiveFailures: consecutive_failures, now };
        return [ledger.id, { ...ledger, health }];
      }),
    );
    return ids.map((id) => byId.get(id) ?? null);
  };

  private readonly loads = new BatchedStatement(this.readRows);
  private readonly urgentLoads = new BatchedStatement(this.readRows);

  /**
   * Group-committed: the runs that finish while one "delivered" write is in flight share the next
   * statement. The promise settles when the statement carrying this mark has.
   */
  markDelivered(id: string, result: DeliveredMark): Promise<void> {
    return this.deliveredMarks.add({ id, attempts: result.attempts, status: result.status ?? null, provider_message_id: result.providerMessageId ?? null });
  }

  private readonly deliveredMarks = new BatchedStatement<DeliveredRow>(async (marks) => {
    await this.pool.query(
      `update deliveries d set status = 'delivered', attempts = d.attempts + x.attempts, runs = d.runs + 1, last_status = x.status,
         provider_message_id = coalesce(x.provider_message_id, d.provider_message_id), finished_at = now(), updated_at = now()
       from jsonb_to_recordset($1::jsonb) as x(id text, attempts int, status int, provider_message_id text)
       where d.id = x.id`,
      [JSON.stringify(marks)],
    );
    return marks.map(() => undefined);
  });

  async markDead(id: string, result: { attempts: number; reason: string; status?: number }): Promise<void> {
    await this.pool.query(
      `update deliveries set status = 'dead', attempts = attempts + $2, runs = runs + 1, dead_reason = $3, last_error = $3,
         last_status = $4, finished_at = now(), updated_at = now()
       where id = $1`,
      [id, result.attempts, result.reason, result.status ?? null],
    );
  }

  /**
   * Schedules the next run with what this one left (job-reschedule.ts: without a NOTIFY).
   * `countRun` is false when the run made no attempt (put back at shutdown, a failed address read).
   */
  reschedule(id: string, at: RescheduleAt): Promise<void> {
    return rescheduleJob(this.pool, this.gw, id, at);
  }

  /**
   * Moves a running delivery's job to `atMs` and leaves its row as it is: behind a busy limit or
   * an open circuit, where the run made no attempt. Group-committed like "delivered".
   */
  putBack(id: string, atMs: number): Promise<void> {
    return this.putBacks.add({ id, atMs });
  }

  private readonly putBacks = new BatchedStatement<PutBack>(async (items) => {
    await putBackJobs(this.pool, this.gw, items);
    return items.map(() => undefined);
  });

  /** Marks the failed delivery and persists the next one of the chain, atomically. */
  async failOver(id: string, result: { attempts: number; reason: string; status?: number }, next: StoredDelivery): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      await client.query(
        `update deliveries set status = 'failed_over', failed_over_to = $2, attempts = attempts + $3, runs = runs + 1,
           last_error = $4, last_status = $5, finished_at = now(), updated_at = now()
         where id = $1`,
        [id, next.id, result.attempts, result.reason, result.status ?? null],
      );
      await this.enqueue([next], client as SqlClient, true);
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
