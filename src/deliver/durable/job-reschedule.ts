import { deliverTaskSql, JOB_MAX_ATTEMPTS, JOB_PRIORITY_SQL } from './delivery-tasks';

/** A pool or client (the ledger's SqlClient fits). */
interface Sql {
  query<R extends object>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

export interface RescheduleAt {
  readonly atMs: number;
  /** Provider requests made by the run that ends here. */
  readonly attempts: number;
  /** Whether it counts against the retry ladder (a put-back behind a busy limit does not). */
  readonly countRun: boolean;
  readonly error?: string;
  readonly status?: number;
}

/** A pending delivery's next attempt ($2), with what the last run left ($3–$6): the row and its job priority. */
const UPDATE_FOR_RESCHEDULE = `update deliveries set next_attempt_at = $2, attempts = attempts + $3, runs = runs + $4::int,
    last_error = coalesce($5, last_error), last_status = coalesce($6, last_status), updated_at = now()
  where id = $1 and status = 'pending'
  returning id, priority, ${JOB_PRIORITY_SQL} as job_priority`;

/**
 * graphile-worker's add_jobs insert, without its NOTIFY, over a CTE `due` (id, priority, run_at,
 * job_priority): a job under each delivery's key, or the waiting job under it moved; a key still
 * held by a running job is left alone (the caller falls back to add_job). Returns the keys queued.
 */
function queueJobs(gw: string, guard = ''): string {
  return `insert into ${gw}._private_jobs as jobs (task_id, payload, run_at, max_attempts, key, priority)
       select tasks.id, json_build_object('id', d.id), d.run_at, ${JOB_MAX_ATTEMPTS}, d.id, d.job_priority
       from due d join ${gw}._private_tasks as tasks on tasks.identifier = ${deliverTaskSql('d.priority')}
       ${guard}
       on conflict (key) do update set task_id = excluded.task_id, payload = excluded.payload, run_at = excluded.run_at,
         max_attempts = excluded.max_attempts, priority = excluded.priority, revision = jobs.revision + 1,
         attempts = 0, last_error = null, updated_at = now()
       where jobs.locked_at is null
       returning jobs.key`;
}

/**
 * Queues the first job of deliveries just written to the ledger in the caller's transaction, as
 * add_jobs would but without its NOTIFY (the same reason as rescheduleJob's): for enqueues inside
 * a transaction of their own — an escalation's next tier, a digest's collection, a fail-over —
 * whose commit waited on the notification queue's lock behind every other NOTIFY (0.7 backends on
 * average in a 10-minute Saturday, each holding an urgent slot). Their jobs are found by a worker
 * of this process as it frees up, or at the runner's poll. Returns the ids left without a job
 * here (a task not registered yet, a key held by a running job), for add_jobs to take.
 */
export async function queueFirstJobs(db: Sql, gw: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<{ id: string }>(
    `with due as (
       select id, priority, next_attempt_at as run_at, ${JOB_PRIORITY_SQL} as job_priority
       from deliveries where id = any($1::text[]) and status = 'pending'
     ), queued as (
       ${queueJobs(gw)}
     )
     select id from due where id not in (select key from queued)`,
    [ids],
  );
  return rows.map((r) => r.id);
}

/**
 * `released`, then `queued`, over a CTE `due` (id, priority, run_at, job_priority) of pending
 * deliveries: the job running each one (this process holds it) gives up its key, and a job under
 * that key is due at `run_at`. The `where` on `released` orders the two: the key is free first.
 */
function releaseAndQueue(gw: string): string {
  return `released as (
       update ${gw}._private_jobs as jobs set key = null, attempts = jobs.max_attempts, updated_at = now()
       from due where jobs.key = due.id and jobs.is_available is not true
       returning jobs.id
     ), queued as (
       ${queueJobs(gw, `where (select count(*) from released) >= 0`)}
     )`;
}

/** No job was queued for a pending delivery (its task not registered yet, a key still held): graphile-worker's own add_job covers every case, at the price of its NOTIFY. */
async function addJobWithNotify(pool: Sql, gw: string, id: string, runAt: string): Promise<void> {
  await pool.query(
    `select ${gw}.add_job(${deliverTaskSql('priority')}, json_build_object('id', id), run_at => $2, job_key => id,
                                priority => ${JOB_PRIORITY_SQL}, max_attempts => ${JOB_MAX_ATTEMPTS})
     from deliveries where id = $1 and status = 'pending'`,
    [id, runAt],
  );
}

/**
 * Puts a delivery back in the queue for `atMs`: the job running it now (this process holds it)
 * gives up its key, and a job under that key is due then.
 *
 * Written as graphile-worker 0.18's add_jobs writes it (sql/000020.sql), without its NOTIFY.
 * A NOTIFY takes PostgreSQL's one lock on the notification queue until commit, so every
 * transaction that sends one commits after the last: on a wedding Saturday the put-backs
 * behind Resend's limit held 1.1 backends on average waiting for that lock (Lock:object, bench/
 * figure 11), each holding a queue slot meanwhile. A put-back or retry is due later anyway,
 * and this process wakes its own runner when it is due within the poll (DurableQueue.wakeAfter);
 * other replicas find it at their poll. The one place this worker writes graphile-worker's
 * private table: test/integration/ledger.reschedule.test.ts and the queue tests check it on every run.
 */
export async function rescheduleJob(pool: Sql, gw: string, id: string, at: RescheduleAt): Promise<void> {
  const values = [id, new Date(at.atMs).toISOString(), at.attempts, at.countRun ? 1 : 0, at.error ?? null, at.status ?? null];
  const { rows } = await pool.query<{ pending: number; queued: number }>(
    `with updated as (${UPDATE_FOR_RESCHEDULE}), due as (select id, priority, $2::timestamptz as run_at, job_priority from updated),
     ${releaseAndQueue(gw)}
     select (select count(*) from updated)::int as pending, (select count(*) from queued)::int as queued`,
    values,
  );
  if (rows[0]!.pending === 0 || rows[0]!.queued > 0) return;
  // The row is updated already, so only its job is added.
  await addJobWithNotify(pool, gw, id, values[1] as string);
}

export interface PutBack {
  readonly id: string;
  readonly atMs: number;
}

/**
 * Running deliveries put back for later without a run counted (behind a busy limit or an open
 * circuit), many in one statement: only their jobs move. The ledger row is not rewritten, because
 * nothing of it changes but `next_attempt_at`, and a rewrite is a new row version with its
 * payload and an entry in each of the table's indexes, all of it WAL (in 2-minute Saturdays of
 * bench/ figure 11, put-backs and reschedules held 0.6–1.1 PostgreSQL backends before, 0.2–0.3
 * after). So a put-back job's `run_at` is its time, and the row's `next_attempt_at` the time its
 * run was last scheduled with a reason (a retry, a park); nothing re-queues from it.
 */
export async function putBackJobs(pool: Sql, gw: string, putBacks: readonly PutBack[]): Promise<void> {
  // One row per delivery: a statement's upsert cannot touch a key twice.
  const latest = new Map(putBacks.map((p) => [p.id, new Date(p.atMs).toISOString()]));
  const input = JSON.stringify([...latest].map(([id, run_at]) => ({ id, run_at })));
  const { rows } = await pool.query<{ id: string }>(
    `with due as (
       select d.id, d.priority, x.run_at, ${JOB_PRIORITY_SQL} as job_priority
       from jsonb_to_recordset($1::jsonb) as x(id text, run_at timestamptz) join deliveries d using (id)
       where d.status = 'pending'
     ), ${releaseAndQueue(gw)}
     select id from due where id not in (select key from queued)`,
    [input],
  );
  for (const { id } of rows) await addJobWithNotify(pool, gw, id, latest.get(id)!);
}
