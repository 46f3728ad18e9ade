import type { WeddingDayMode } from '../config/policy.schema';
import type { Queryable } from '../lib/queryable';

// What the person on call reads from the deliveries ledger in PostgreSQL: every replica's work,
// not only this process's, and every destination used, not only those with breaker rows. Read
// here with small queries of its own (ids and destination keys only, never the payload, where
// addresses and secrets live), each bounded so the page stays cheap at 10,000 weddings.

/** The window the traffic counts cover. */
export const TRAFFIC_WINDOW_MS = 15 * 60_000;
/** Rows the page lists before it summarizes the rest. */
export const PAGE_ROWS = 20;

export interface TrafficCounts {
  readonly channel: string;
  /** `email`, `sms`, `webhook:<endpoint id>`, `slack:<organization id>`…; null on a channel's total row. */
  readonly destination: string | null;
  readonly delivered: number;
  /** Dead letters and deliveries handed to the next channel of a failover chain. */
  readonly failed: number;
  /** Waiting now for another attempt after a failed one. */
  readonly retrying: number;
  /** 95th percentile of due → delivered, over what was delivered in the window; null when nothing was. */
  readonly p95Ms: number | null;
}

export interface DeadLetterGroup {
  readonly reason: string;
  readonly destination: string;
  readonly count: number;
  readonly lastAt: string | null;
}

export interface WaitingCritical {
  readonly deliveryId: string;
  readonly channel: string;
  readonly destination: string;
  readonly weddingId: string | null;
  readonly createdAt: string;
}

export interface WeddingToday {
  readonly weddingId: string;
  readonly organizationId: string;
  readonly timeZone: string;
  /** Today in its zone (false: in day mode since the evening before, or until the morning after). */
  readonly today: boolean;
  readonly dayMode: boolean;
  readonly critical: { readonly delivered: number; readonly waiting: number; readonly failed: number };
}

export interface OnCallView {
  readonly windowMs: number;
  readonly channels: readonly TrafficCounts[];
  /** The destinations in most trouble first, at most PAGE_ROWS; `destinationsTotal` counts them all. */
  readonly destinations: readonly TrafficCounts[];
  readonly destinationsTotal: number;
  readonly oldestWaitingCritical: WaitingCritical | null;
  readonly deadLetters: readonly DeadLetterGroup[];
  readonly deadLettersTotal: number;
  /** Weddings whose date is today in their own zone, or in their day mode; critical trouble first. */
  readonly weddingsToday: readonly WeddingToday[];
  readonly weddingsTodayTotal: number;
  readonly weddingsInDayMode: number;
  /** Of today's weddings, those with a critical message waiting or failed. */
  readonly weddingsTodayInTrouble: number;
}

// Finished rows (deliveries_finished_idx) plus the retrying ones (the pending index): the
// window never scans the whole ledger.
const RECENT = `
  with recent as (
    select channel, destination, status, finished_at - greatest(created_at, coalesce(not_before, created_at)) as took
      from deliveries where finished_at >= $1
    union all
    select channel, destination, status, null from deliveries where status = 'pending' and attempts > 0
  )`;

const COUNTS = `
    count(*) filter (where status = 'delivered')::int as delivered,
    count(*) filter (where status in ('dead', 'failed_over'))::int as failed,
    count(*) filter (where status = 'pending')::int as retrying,
    (percentile_cont(0.95) within group (order by extract(epoch from took) * 1000) filter (where status = 'delivered'))::float8 as p95_ms`;

interface CountsRow {
  channel: string;
  destination: string | null;
  delivered: number;
  failed: number;
  retrying: number;
  p95_ms: number | null;
  total?: number;
}

const counts = (r: CountsRow): TrafficCounts => ({
  channel: r.channel,
  destination: r.destination,
  delivered: r.delivered,
  failed: r.failed,
  retrying: r.retrying,
  p95Ms: r.p95_ms === null ? null : Math.round(r.p95_ms),
});

export interface OnCallReader {
  read(nowMs: number): Promise<OnCallView>;
}

export function createOnCallReader(db: Queryable, dayMode: WeddingDayMode): OnCallReader {
  const query = async <R extends object>(name: string, text: string, values: unknown[]): Promise<R[]> => (await db.query<R>({ name, text, values })).rows;

  return {
    async read(nowMs) {
      const since = new Date(nowMs - TRAFFIC_WINDOW_MS).toISOString();
      const now = new Date(nowMs).toISOString();
      const [channels, destinations, oldest, dead, weddings] = await Promise.all([
        query<CountsRow>('status_channels', `${RECENT} select channel, null as destination, ${COUNTS} from recent group by channel order by channel`, [since]),
        query<CountsRow>(
          'status_destinations',
          `${RECENT} select channel, destination, ${COUNTS}, count(*) over ()::int as total from recent group by channel, destination
           order by failed desc, retrying desc, delivered desc, destination limit ${PAGE_ROWS}`,
          [since],
        ),
        query<{ id: string; channel: string; destination: string; wedding_id: string | null; created_at: Date }>(
          'status_oldest_critical',
          `select id, channel, destination, wedding_id, created_at from deliveries
           where status = 'pending' and priority = 'critical' order by created_at, id limit 1`,
          [],
        ),
        query<{ reason: string; destination: string; n: number; last_at: Date | null; total: number }>(
          'status_dead_letters',
          `select coalesce(dead_reason, 'no reason recorded') as reason, destination, count(*)::int as n, max(finished_at) as last_at,
                  sum(count(*)) over ()::int as total
           from deliveries where status = 'dead' group by 1, 2 order by n desc, last_at desc nulls last limit ${PAGE_ROWS}`,
          [],
        ),
        weddingsToday(query, now, dayMode),
      ]);
      return {
        windowMs: TRAFFIC_WINDOW_MS,
        channels: channels.map(counts),
        destinations: destinations.map(counts),
        destinationsTotal: destinations[0]?.total ?? 0,
        oldestWaitingCritical: oldest[0]
          ? { deliveryId: oldest[0].id, channel: oldest[0].channel, destination: oldest[0].destination, weddingId: oldest[0].wedding_id, createdAt: oldest[0].created_at.toISOString() }
          : null,
        deadLetters: dead.map((r) => ({ reason: r.reason, destination: r.destination, count: r.n, lastAt: r.last_at?.toISOString() ?? null })),
        deadLettersTotal: dead[0]?.total ?? 0,
        ...weddings,
      };
    },
  };
}

type Query = <R extends object>(name: string, text: string, values: unknown[]) => Promise<R[]>;

/**
 * Today, and day mode, are asked in each wedding's own zone; only dates two days either side of
 * UTC's today can be either somewhere, which keeps the scan to five dates' weddings.
 */
async function weddingsToday(query: Query, now: string, mode: WeddingDayMode): Promise<Pick<OnCallView, 'weddingsToday' | 'weddingsTodayTotal' | 'weddingsTodayInTrouble' | 'weddingsInDayMode'>> {
  const rows = await query<{ id: string; organization_id: string; time_zone: string; today: boolean; day_mode: boolean; delivered: number; waiting: number; failed: number; total: number; in_trouble: number; in_day_mode: number }>(
    'status_weddings_today',
    `with candidates as (
       select w.id, w.organization_id, w.time_zone,
              w.wedding_date = ($1::timestamptz at time zone w.time_zone)::date as today,
              ($2::boolean and $1::timestamptz >= ((w.wedding_date - 1) + $3::time) at time zone w.time_zone
                           and $1::timestamptz < ((w.wedding_date + 1) + $4::time) at time zone w.time_zone) as day_mode
       from weddings w
       where w.wedding_date between ($1::timestamptz at time zone 'UTC')::date - 2 and ($1::timestamptz at time zone 'UTC')::date + 2
     ), critical as (
       select t.id, t.organization_id, t.time_zone, t.today, t.day_mode,
              count(d.id) filter (where d.status = 'delivered')::int as delivered,
              count(d.id) filter (where d.status = 'pending')::int as waiting,
              count(d.id) filter (where d.status in ('dead', 'failed_over'))::int as failed
       from candidates t left join deliveries d on d.wedding_id = t.id and d.priority = 'critical'
       where t.today or t.day_mode
       group by t.id, t.organization_id, t.time_zone, t.today, t.day_mode
     )
     select *, count(*) over ()::int as total, (count(*) filter (where waiting + failed > 0) over ())::int as in_trouble,
            (count(*) filter (where day_mode) over ())::int as in_day_mode
     from critical order by failed desc, waiting desc, delivered desc, id limit ${PAGE_ROWS}`,
    [now, mode.enabled, mode.from, mode.until],
  );
  return {
    weddingsToday: rows.map((r) => ({
      weddingId: r.id,
      organizationId: r.organization_id,
      timeZone: r.time_zone,
      today: r.today,
      dayMode: r.day_mode,
      critical: { delivered: r.delivered, waiting: r.waiting, failed: r.failed },
    })),
    weddingsTodayTotal: rows[0]?.total ?? 0,
    weddingsTodayInTrouble: rows[0]?.in_trouble ?? 0,
    weddingsInDayMode: rows[0]?.in_day_mode ?? 0,
  };
}
