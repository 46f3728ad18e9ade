import type { Pool } from 'pg';
import { OUTBOX_KIND_SQL } from './saturday-mix';

/**
 * What figure 11 reads back from the worker's own durable state: pending deliveries per
 * destination (sampled while the run goes), and at the end every delivery joined to the change it
 * came from. The join is on the event id, computed from the outbox row by the README's recipe
 * (the same one test/support/expected-ids.ts writes out): sha256 of "outbox", the schema, the
 * outbox table, the row's id and its capture time in µs, joined by U+001F, 32 hex digits after
 * `evt_`. Both times are PostgreSQL's clock: the outbox row's capture time (clock_timestamp() in
 * the writer's statement) and the ledger's finished_at (written just after the receiver answered).
 */
const EVENT_ID_SQL = (schema: string) =>
  `'evt_' || left(encode(sha256(convert_to(concat_ws(E'\\x1f', 'outbox', '${schema}', 'change_outbox', o.id::text, 't' || (extract(epoch from o.changed_at) * 1000000)::bigint::text), 'UTF8')), 'hex'), 32)`;

/**
 * An escalation tier's deliveries (src/escalation/escalation-policy.ts notes them so): planned when
 * nobody acknowledged the critical message in time, minutes after its change by design, so their
 * latency is counted from when they were planned, apart from the change's own.
 */
const ESCALATION_SQL = `jsonb_path_exists(d.payload, '$.notes[*] ? (@ starts with "escalation tier ")')`;

/** The shipped file's archive endpoint, as the ledger names its destination. */
export const ARCHIVE_DESTINATION = 'webhook:config:ops-archive';

/** Pending deliveries by destination (the limiter's key: one for email, SMS, in-app; one per hook or endpoint). */
export async function pendingByDestination(pool: Pool): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ destination: string; n: number }>(`select destination, count(*)::int as n from deliveries where status = 'pending' group by destination`);
  return new Map(rows.map((r) => [r.destination, r.n]));
}

/** The limiter a destination key falls under, for the report: email, sms, slack, partner, archive, in_app. */
export function limitOf(destination: string): string {
  if (destination === ARCHIVE_DESTINATION) return 'archive';
  if (destination.startsWith('webhook:')) return 'partner';
  return destination.split(':')[0]!;
}

/**
 * graphile-worker jobs locked right now (running in the worker), by the priority and channel of
 * their delivery: who holds the queue's slots (queue.concurrency of them).
 */
export async function slotsHeld(pool: Pool, queueSchema: string): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ k: string; n: number }>(
    `select d.priority || '·' || d.channel as k, count(*)::int as n from "${queueSchema}"._private_jobs j join deliveries d on d.id = j.payload ->> 'id'
     where j.locked_at is not null group by 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.k, r.n]));
}

export interface DestinationDemand {
  readonly destination: string;
  readonly planned: number;
}

/** Deliveries planned per destination over the run (to compare with each limit). */
export async function demandByDestination(pool: Pool): Promise<DestinationDemand[]> {
  const { rows } = await pool.query<{ destination: string; n: number }>(`select destination, count(*)::int as n from deliveries group by destination`);
  return rows.map((r) => ({ destination: r.destination, planned: r.n }));
}

export interface LatencyGroup {
  readonly priority: string;
  readonly limit: string;
  readonly bound: boolean;
  /** An escalation tier's: its latency runs from when the tier was planned, not from the change. */
  readonly escalation: boolean;
  readonly deliveries: number;
  readonly delivered: number;
  /** Not delivered when the run ended: counted with the time they had waited (a lower bound). */
  readonly pending: number;
  readonly other: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Capture → persisted in the ledger (deciding, context read, enqueue). */
  readonly persistP50Ms: number;
  readonly persistP99Ms: number;
}

/**
 * Change → delivery per priority and limit, over the deliveries of changes captured since
 * `sinceMs`; `bound` lists destinations whose limit the demand exceeded.
 */
export async function latencyGroups(pool: Pool, schema: string, sinceMs: number, endMs: number, bound: readonly string[]): Promise<LatencyGroup[]> {
  const { rows } = await pool.query<{
    priority: string; lim: string; bound: boolean; escalation: boolean; deliveries: number; delivered: number; pending: number; other: number;
    p50: number; p99: number; persist_p50: number; persist_p99: number;
  }>(
    `with ev as (select ${EVENT_ID_SQL(schema)} as event_id, o.changed_at from change_outbox o where o.changed_at >= to_timestamp($1::double precision / 1000)),
          d as (select d.priority, d.status, d.destination = any($3::text[]) as bound, ${ESCALATION_SQL} as escalation,
                       case when d.destination = '${ARCHIVE_DESTINATION}' then 'archive' when d.destination like 'webhook:%' then 'partner' else split_part(d.destination, ':', 1) end as lim,
                       extract(epoch from (case when d.status = 'delivered' then d.finished_at else to_timestamp($2::double precision / 1000) end)
                         - case when ${ESCALATION_SQL} then d.created_at else ev.changed_at end) * 1000 as ms,
                       extract(epoch from d.created_at - ev.changed_at) * 1000 as persist_ms
                from deliveries d join ev using (event_id))
     select priority, lim, bound, escalation, count(*)::int as deliveries, (count(*) filter (where status = 'delivered'))::int as delivered,
            (count(*) filter (where status = 'pending'))::int as pending, (count(*) filter (where status not in ('delivered', 'pending')))::int as other,
            percentile_disc(0.5) within group (order by ms) filter (where status in ('delivered', 'pending'))::float8 as p50,
            percentile_disc(0.99) within group (order by ms) filter (where status in ('delivered', 'pending'))::float8 as p99,
            percentile_disc(0.5) within group (order by persist_ms)::float8 as persist_p50,
            percentile_disc(0.99) within group (order by persist_ms)::float8 as persist_p99
     from d group by priority, lim, bound, escalation order by priority, lim, bound, escalation`,
    [sinceMs, endMs, bound],
  );
  return rows.map((r) => ({
    priority: r.priority, limit: r.lim, bound: r.bound, escalation: r.escalation, deliveries: r.deliveries, delivered: r.delivered, pending: r.pending, other: r.other,
    p50Ms: r.p50 ?? Number.NaN, p99Ms: r.p99 ?? Number.NaN, persistP50Ms: r.persist_p50 ?? Number.NaN, persistP99Ms: r.persist_p99 ?? Number.NaN,
  }));
}

/** Change → delivery quantiles over the deliveries of one priority whose destination had room (not in `bound`), escalation tiers apart. */
export async function priorityWithRoom(pool: Pool, schema: string, sinceMs: number, endMs: number, bound: readonly string[]): Promise<Map<string, { n: number; undelivered: number; p50: number; p99: number }>> {
  const { rows } = await pool.query<{ priority: string; n: number; undelivered: number; p50: number; p99: number }>(
    `with ev as (select ${EVENT_ID_SQL(schema)} as event_id, o.changed_at from change_outbox o where o.changed_at >= to_timestamp($1::double precision / 1000))
     select d.priority, count(*)::int as n, (count(*) filter (where d.status = 'pending'))::int as undelivered,
            percentile_disc(0.5) within group (order by extract(epoch from (case when d.status = 'delivered' then d.finished_at else to_timestamp($2::double precision / 1000) end) - ev.changed_at) * 1000)::float8 as p50,
            percentile_disc(0.99) within group (order by extract(epoch from (case when d.status = 'delivered' then d.finished_at else to_timestamp($2::double precision / 1000) end) - ev.changed_at) * 1000)::float8 as p99
     from deliveries d join ev using (event_id)
     where d.status in ('delivered', 'pending') and not (d.destination = any($3::text[])) and not ${ESCALATION_SQL}
     group by d.priority`,
    [sinceMs, endMs, bound],
  );
  return new Map(rows.map((r) => [r.priority, { n: r.n, undelivered: r.undelivered, p50: r.p50, p99: r.p99 }]));
}

/** Changes written by kind, and how many of them planned at least one delivery. */
export async function changesByKind(pool: Pool, schema: string, sinceMs: number): Promise<{ kind: string; changes: number; decided: number; deliveries: number }[]> {
  const { rows } = await pool.query<{ kind: string; changes: number; decided: number; deliveries: number }>(
    `with ev as (select ${EVENT_ID_SQL(schema)} as event_id, ${OUTBOX_KIND_SQL} as kind from change_outbox o where o.changed_at >= to_timestamp($1::double precision / 1000)),
          per as (select event_id, count(*)::int as n from deliveries group by event_id)
     select kind, count(*)::int as changes, count(per.event_id)::int as decided, coalesce(sum(per.n), 0)::int as deliveries
     from ev left join per using (event_id) group by kind order by kind`,
    [sinceMs],
  );
  return rows;
}
