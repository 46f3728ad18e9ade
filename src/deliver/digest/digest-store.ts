import type { Delivery } from '../../decide/delivery';
import { DeliveryLedger, type SqlClient, type SqlPool } from '../durable/delivery-ledger';
import { toStored, type StoredDelivery } from '../stored-delivery';
import { buildDigest, DIGEST_TASK, digestKey } from './digest-delivery';

/** graphile-worker's own retries: a safety net for a collection that crashed (a lost database). */
const JOB_MAX_ATTEMPTS = 25;
/** Digest jobs wait behind nothing: they run at their window's end, among the deliveries of that moment. */
const JOB_PRIORITY = 50;
/** Collected rows are kept this long, so a duplicate of a change already digested is still recognised. */
const COLLECTED_KEPT = '7 days';
/** Old collected rows removed by each collection: cost grows with work, and no timer is needed. */
const PRUNE_PER_COLLECTION = 500;

export interface Collected {
  readonly digestId: string;
  readonly items: number;
}

/**
 * Held messages in PostgreSQL (digest_items, migration 0018) and the one graphile-worker job per
 * digest that sends them. Holding writes the rows and the job in one statement; collecting takes
 * the rows and writes the digest's delivery (in the ledger, with its own job) in one transaction.
 * So a held message is never without a job, and is carried by exactly one digest.
 */
export class DigestStore {
  private readonly gw: string;
  private readonly ledger: DeliveryLedger;

  constructor(
    private readonly pool: SqlPool,
    queueSchema: string,
    private readonly maxItems: number,
  ) {
    this.gw = `"${queueSchema.replace(/"/g, '')}"`;
    this.ledger = new DeliveryLedger(pool, queueSchema);
  }

  /** Holds deliveries the planner marked for a digest; returns how many were new (a change seen twice is held once). */
  async hold(deliveries: readonly Delivery[], db: SqlClient = this.pool): Promise<number> {
    return (await this.holdMany(deliveries, db)).size;
  }

  /** `hold`, returning the ids that were new. */
  async holdMany(deliveries: readonly Delivery[], db: SqlClient = this.pool): Promise<Set<string>> {
    const rows = deliveries.flatMap((d) =>
      d.digest
        ? [{
            id: d.id,
            digest_key: digestKey(d.recipient, d.channel, d.digest.atMs),
            organization_id: d.organizationId,
            recipient: `${d.recipient.kind}:${d.recipient.id}`,
            channel: d.channel,
            window_end: new Date(d.digest.atMs).toISOString(),
            item: toStored(d),
          }]
        : [],
    );
    if (rows.length === 0) return new Set();
    const { rows: inserted } = await db.query<{ id: string }>(
      `with input as (
         select * from jsonb_to_recordset($1::jsonb) as x(
           id text, digest_key text, organization_id uuid, recipient text, channel text, window_end timestamptz, item jsonb)
       ), inserted as (
         insert into digest_items (id, digest_key, organization_id, recipient, channel, window_end, item)
         select id, digest_key, organization_id, recipient, channel, window_end, item from input
         on conflict (id) do nothing
         returning id, digest_key, window_end
       ), jobs as (
         -- One spec per key: add_jobs cannot upsert the same job_key twice in one call.
         select ${this.gw}.add_jobs(array(
           select json_populate_record(null::${this.gw}.job_spec, json_build_object(
             'identifier', '${DIGEST_TASK}', 'payload', json_build_object('key', k.digest_key), 'run_at', k.window_end,
             'job_key', 'digest:' || k.digest_key, 'priority', ${JOB_PRIORITY}, 'max_attempts', ${JOB_MAX_ATTEMPTS}))
           from (select distinct digest_key, window_end from inserted) k)) as added
       )
       select n.id from inserted n, (select count(*) from jobs) as forced`,
      [JSON.stringify(rows)],
    );
    return new Set(inserted.map((r) => r.id));
  }

  /**
   * Takes every row still held under `key` and queues their digest, atomically. Two collectors
   * of one key (a retried job beside the first, another replica): the second waits on the rows'
   * locks, then finds them taken and queues nothing. A row held while a collection runs is not
   * in it: its own job (a new one, since the running job is locked) sends it in the next digest.
   */
  async collect(key: string): Promise<Collected | null> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      const { rows } = await client.query<{ id: string; item: StoredDelivery }>(
        `select id, item from digest_items where digest_key = $1 and digest_id is null order by created_at, id for update`,
        [key],
      );
      let collected: Collected | null = null;
      if (rows.length > 0) {
        const items = rows.map((r) => r.item);
        const digest = buildDigest(key, items, items[0]!.digest ?? { heldBy: 'quiet_hours' }, this.maxItems);
        await client.query(`update digest_items set digest_id = $2, collected_at = now() where id = any($1::text[])`, [rows.map((r) => r.id), digest.id]);
        await this.ledger.enqueue([digest], client, true);
        collected = { digestId: digest.id, items: rows.length };
      }
      await client.query(
        `delete from digest_items where id in (
           select id from digest_items where digest_id is not null and collected_at < now() - interval '${COLLECTED_KEPT}' limit ${PRUNE_PER_COLLECTION})`,
      );
      await client.query('commit');
      return collected;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Messages waiting for a digest, for /metrics. */
  async heldCount(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(`select count(*) as n from digest_items where digest_id is null`);
    return Number(rows[0]?.n ?? 0);
  }
}
