import { randomUUID } from 'node:crypto';
import type { Logger } from '../../lib/logger';
import type { SqlClient } from './delivery-ledger';

export interface LivenessOptions {
  readonly db: SqlClient;
  readonly queueSchema: string;
  readonly heartbeatMs: number;
  readonly deadAfterMs: number;
  readonly logger: Logger;
}

/**
 * Crash recovery for graphile-worker jobs. Each process heart-beats its worker ids into
 * worker_processes; each also sweeps: the jobs of a process silent for `deadAfterMs` are
 * unlocked (graphile-worker's own force_unlock_workers) so another replica, or the restarted
 * process, runs them. The lease must outlast a run (quick attempts and their timeouts), or a slow
 * run of a live process would be unlocked and run twice.
 */
export class WorkerLiveness {
  readonly processId = `wedsync-${randomUUID()}`;
  private readonly workerIds = new Set<string>();
  /** Ids of runners that have finished; their jobs are unlocked at the next beat that reaches the database. */
  private readonly retired = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly gw: string;

  constructor(private readonly options: LivenessOptions) {
    this.gw = `"${options.queueSchema.replace(/"/g, '')}"`;
  }

  addWorker(workerId: string): void {
    this.workerIds.add(workerId);
  }

  /**
   * A runner that stopped while the database was away could not put its jobs back: they stay
   * locked under its ids, which this process would otherwise heart-beat forever, so nobody would
   * ever run them again. Unlocking is safe once the runner has finished (nothing of it still runs)
   * and a re-run of a job whose completion was lost is a no-op through the ledger.
   */
  retire(workerIds: Iterable<string>): void {
    for (const id of workerIds) {
      this.workerIds.delete(id);
      this.retired.add(id);
    }
  }

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat().catch((error: unknown) => this.options.logger.warn({ err: error }, 'heartbeat failed')), this.options.heartbeatMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.options.db.query('delete from worker_processes where process_id = $1', [this.processId]);
  }

  /** Says this process is alive, then unlocks the jobs of any that are not. */
  private async beat(): Promise<void> {
    await this.options.db.query(
      `insert into worker_processes (process_id, worker_ids) values ($1, $2)
       on conflict (process_id) do update set worker_ids = excluded.worker_ids, last_seen = now()`,
      [this.processId, [...this.workerIds]],
    );
    await this.unlockRetired();
    const { rows } = await this.options.db.query<{ process_id: string; worker_ids: string[] }>(
      `with dead as (
         delete from worker_processes where last_seen < now() - $1::int * interval '1 millisecond' returning process_id, worker_ids
       ), unlocked as (
         select ${this.gw}.force_unlock_workers(coalesce((select array_agg(id) from dead, unnest(worker_ids) as id), '{}'))
       )
       select process_id, worker_ids from dead, (select count(*) from unlocked) as forced`,
      [this.options.deadAfterMs],
    );
    for (const row of rows) {
      this.options.logger.warn({ deadProcess: row.process_id, workers: row.worker_ids.length }, 'a worker process stopped heart-beating; its jobs are unlocked');
    }
  }

  private async unlockRetired(): Promise<void> {
    if (this.retired.size === 0) return;
    const ids = [...this.retired];
    await this.options.db.query(`select ${this.gw}.force_unlock_workers($1::text[])`, [ids]);
    for (const id of ids) this.retired.delete(id);
    this.options.logger.info({ workers: ids.length }, 'unlocked the jobs a stopped queue runner left locked');
  }
}
