import type { Queryable } from '../lib/queryable';

/** One replica's hold on one intake stream; `epoch` rises with every acquisition. */
export interface Lease {
  readonly stream: string;
  readonly holder: string;
  readonly epoch: number;
}

/** The leases of migration 0015 (intake_leases, intake_replicas). */
export interface LeaseStore {
  /** Takes the stream if it is free (released or expired); null when someone holds it. */
  acquire(stream: string, holder: string, ttlMs: number): Promise<Lease | null>;
  /** Extends a lease still ours and unexpired; false when it is gone (expired or taken over). */
  renew(lease: Lease, ttlMs: number): Promise<boolean>;
  /** Frees it at once so a peer need not wait for the expiry. A lease no longer ours is left alone. */
  release(lease: Lease): Promise<void>;
  /** Says this replica takes part for ttlMs more; returns how many do now, itself included. */
  beat(holder: string, ttlMs: number): Promise<number>;
  leave(holder: string): Promise<void>;
}

/**
 * Expiry is judged by one clock for every replica: the database's (`clock_timestamp()`), unless
 * `clock` is given (tests move time by hand). Each statement is one atomic step, so two standbys
 * racing for a stream cannot both win it: the conditional upsert lets one through.
 */
export function createPgLeaseStore(db: Queryable, clock?: () => number): LeaseStore {
  const at = () => (clock ? new Date(clock()).toISOString() : null);
  // $1 is always the time, so every statement reads `t.now` the same way.
  const now = `(select coalesce($1::timestamptz, clock_timestamp()) as now) t`;
  const ttl = (param: string) => `t.now + ${param}::double precision * interval '1 millisecond'`;
  return {
    async acquire(stream, holder, ttlMs) {
      const { rows } = await db.query<{ epoch: string }>({
        text: `insert into intake_leases as l (stream, holder, epoch, expires_at, acquired_at, renewed_at)
               select $2, $3, 1, ${ttl('$4')}, t.now, t.now from ${now}
               on conflict (stream) do update
                 set holder = excluded.holder, epoch = l.epoch + 1, expires_at = excluded.expires_at,
                     acquired_at = excluded.acquired_at, renewed_at = excluded.renewed_at
                 where l.holder is null or l.expires_at <= excluded.acquired_at
               returning epoch::text`,
        values: [at(), stream, holder, ttlMs],
      });
      const row = rows[0];
      return row ? { stream, holder, epoch: Number(row.epoch) } : null;
    },
    async renew(lease, ttlMs) {
      const { rows } = await db.query({
        text: `update intake_leases l set expires_at = ${ttl('$5')}, renewed_at = t.now from ${now}
               where l.stream = $2 and l.holder = $3 and l.epoch = $4 and l.expires_at > t.now
               returning 1`,
        values: [at(), lease.stream, lease.holder, lease.epoch, ttlMs],
      });
      return rows.length === 1;
    },
    async release(lease) {
      await db.query({
        text: `update intake_leases l set holder = null, expires_at = t.now from ${now}
               where l.stream = $2 and l.holder = $3 and l.epoch = $4`,
        values: [at(), lease.stream, lease.holder, lease.epoch],
      });
    },
    async beat(holder, ttlMs) {
      // One statement sees one snapshot: its own upsert is not in the count, hence the + 1.
      const { rows } = await db.query<{ n: number }>({
        text: `with t as (select coalesce($1::timestamptz, clock_timestamp()) as now),
               up as (
                 insert into intake_replicas (holder, expires_at) select $2, ${ttl('$3')} from t
                 on conflict (holder) do update set expires_at = excluded.expires_at
               ),
               gone as (delete from intake_replicas r using t where r.expires_at < t.now - interval '1 minute')
               select (count(*) filter (where r.holder <> $2 and r.expires_at > t.now))::int + 1 as n
               from t left join intake_replicas r on true`,
        values: [at(), holder, ttlMs],
      });
      return rows[0]?.n ?? 1;
    },
    async leave(holder) {
      await db.query({ text: 'delete from intake_replicas where holder = $1', values: [holder] });
    },
  };
}
