import type { Pool, PoolClient } from 'pg';
import { BENCH_SECRET } from './worker-config';

/**
 * The tenant data of a wedding Saturday (figure 11), written set-wise in PostgreSQL
 * (generate_series, no row-by-row round trips): organizations of 25 weddings each, shaped like the
 * demo seed (db/seed/demo.sql): staff (owner, planner, coordinator, finance) with email and phone,
 * 12 vendors an organization, a Slack hook and a partner endpoint (100 a minute) an organization,
 * two clients a wedding, the demo's preferences (the photographer's quiet hours, a client who
 * takes no SMS, finance's hourly cap). Every tenth wedding is today in its own time zone and has
 * the demo's full day-of crew (photographer, venue, caterer, florist, planner); the others are
 * spread over the next year with a photographer, a venue and a planner.
 *
 * Ids are computed (kind, n), so the change writer (saturday-mix.ts) names rows without reading them.
 */
export const WEDDINGS_PER_ORGANIZATION = 25;
export const VENDORS_PER_ORGANIZATION = 12;
/** Wedding n is today when n % TODAY_EVERY === 0: 10 % of them. */
export const TODAY_EVERY = 10;
export const TIME_ZONES = ['America/Los_Angeles', 'America/Chicago', 'America/New_York', 'Europe/London', 'Europe/Berlin', 'Australia/Sydney'] as const;

export const KIND = { organization: 11, staff: 12, vendor: 13, wedding: 14, client: 15, endpoint: 16, preference: 17 } as const;

export const sagaUuid = (kind: number, n: number) => `00000000-0000-4000-8${String(kind).padStart(3, '0')}-${String(n).padStart(12, '0')}`;
const ID_SQL = `create or replace function pg_temp.sid(kind int, n bigint) returns uuid language sql immutable as $$
  select format('00000000-0000-4000-8%s-%s', lpad(kind::text, 3, '0'), lpad(n::text, 12, '0'))::uuid $$`;

export const organizationOf = (wedding: number) => Math.floor((wedding - 1) / WEDDINGS_PER_ORGANIZATION) + 1;
/** Vendor number of a wedding's k-th crew slot (0 photographer, 1 venue and caterer, 3 florist, 4 planner). */
export const vendorOf = (wedding: number, slot: number) => (organizationOf(wedding) - 1) * VENDORS_PER_ORGANIZATION + ((wedding + slot) % VENDORS_PER_ORGANIZATION) + 1;
const VENDOR_SQL = (w: string, slot: number) => `((${w} - 1) / ${WEDDINGS_PER_ORGANIZATION}) * ${VENDORS_PER_ORGANIZATION} + ((${w} + ${slot}) % ${VENDORS_PER_ORGANIZATION}) + 1`;

export interface SeedCounts {
  readonly organizations: number;
  readonly weddings: number;
  readonly today: number;
  readonly rows: Record<string, number>;
  readonly seconds: number;
  /** Whether the capture triggers were skipped (session_replication_role = replica needs a superuser). */
  readonly triggersSkipped: boolean;
}

/**
 * Writes the Saturday into the schema on `pool`'s search path. `slackHooks[o - 1]` is organization
 * o's incoming webhook; partner endpoints are `${partnerUrl}/<o>`.
 */
export async function seedSaturday(pool: Pool, weddings: number, slackHooks: readonly string[], partnerUrl: string): Promise<SeedCounts> {
  const started = performance.now();
  const organizations = Math.ceil(weddings / WEDDINGS_PER_ORGANIZATION);
  if (slackHooks.length < organizations) throw new Error(`need ${organizations} Slack hooks, got ${slackHooks.length}`);
  const client = await pool.connect();
  let triggersSkipped: boolean;
  try {
    // The seed is not a stream of changes: skip the capture (and FK) triggers when allowed.
    triggersSkipped = await client.query('set session_replication_role = replica').then(() => true, () => false);
    await client.query(ID_SQL);
    await client.query('begin');
    await insertAll(client, organizations, weddings, slackHooks, partnerUrl);
    await client.query('commit');
    // Nothing seeded may reach the worker as a change, nor leave a gap in the outbox ids.
    await client.query('truncate change_outbox restart identity');
    await client.query('set session_replication_role = origin');
    await client.query('analyze');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  const { rows } = await pool.query<{ t: string; n: string }>(
    `select 'weddings' t, count(*)::text n from weddings union all select 'wedding_vendors', count(*)::text from wedding_vendors
     union all select 'clients', count(*)::text from clients union all select 'vendors', count(*)::text from vendors
     union all select 'organization_staff', count(*)::text from organization_staff union all select 'notification_preferences', count(*)::text from notification_preferences`,
  );
  return {
    organizations,
    weddings,
    today: Math.floor(weddings / TODAY_EVERY),
    rows: Object.fromEntries(rows.map((r) => [r.t, Number(r.n)])),
    seconds: (performance.now() - started) / 1000,
    triggersSkipped,
  };
}

async function insertAll(client: PoolClient, organizations: number, weddings: number, slackHooks: readonly string[], partnerUrl: string): Promise<void> {
  const zoneOf = (o: string) => `(array[${TIME_ZONES.map((z) => `'${z}'`).join(',')}])[1 + ${o} % ${TIME_ZONES.length}]`;
  const zones = zoneOf('o');
  await client.query(
    `insert into organizations (id, name, time_zone, slack_webhook_url)
     select pg_temp.sid(${KIND.organization}, o), 'Saturday Weddings ' || o, ${zones}, ($2::text[])[o] from generate_series(1, $1::int) o`,
    [organizations, slackHooks.slice(0, organizations)],
  );
  await client.query(
    `insert into organization_staff (id, organization_id, name, role, email, phone)
     select pg_temp.sid(${KIND.staff}, (o - 1) * 4 + r), pg_temp.sid(${KIND.organization}, o), 'Staff ' || r || ' of ' || o,
       (array['owner', 'planner', 'coordinator', 'finance'])[r], 'staff' || r || '.' || o || '@org.example', '+1415555' || lpad(((o * 4 + r) % 10000)::text, 4, '0')
     from generate_series(1, $1::int) o, generate_series(1, 4) r`,
    [organizations],
  );
  await client.query(
    `insert into vendors (id, organization_id, name, category, email, phone)
     select pg_temp.sid(${KIND.vendor}, (o - 1) * ${VENDORS_PER_ORGANIZATION} + v), pg_temp.sid(${KIND.organization}, o), 'Vendor ' || v || ' of ' || o,
       (array['photography', 'venue', 'florist', 'planning'])[1 + v % 4], 'v' || v || '.' || o || '@vendor.example', '+1628555' || lpad(((o * 12 + v) % 10000)::text, 4, '0')
     from generate_series(1, $1::int) o, generate_series(1, ${VENDORS_PER_ORGANIZATION}) v`,
    [organizations],
  );
  await client.query(
    `insert into webhook_endpoints (id, organization_id, name, url, secret, rate_limit_per_minute)
     select pg_temp.sid(${KIND.endpoint}, o), pg_temp.sid(${KIND.organization}, o), 'crm', $2 || '/' || o, $3, 100 from generate_series(1, $1::int) o`,
    [organizations, partnerUrl, BENCH_SECRET],
  );
  // Today in the wedding's own zone (the organization's), else 1-365 days ahead.
  await client.query(
    `insert into weddings (id, organization_id, couple_name, wedding_date, time_zone, venue_name, status)
     select pg_temp.sid(${KIND.wedding}, w), pg_temp.sid(${KIND.organization}, o.o), 'Couple ' || w,
       (now() at time zone o.tz)::date + case when w % ${TODAY_EVERY} = 0 then 0 else 1 + w % 365 end, o.tz, 'Venue ' || w,
       case when w % ${TODAY_EVERY} = 0 then 'confirmed' else 'planned' end
     from generate_series(1, $1::int) w
     cross join lateral (select (w - 1) / ${WEDDINGS_PER_ORGANIZATION} + 1 as o) oo
     cross join lateral (select oo.o, ${zoneOf('oo.o')} as tz) o`,
    [weddings],
  );
  await client.query(
    `insert into wedding_vendors (organization_id, wedding_id, vendor_id, role)
     select pg_temp.sid(${KIND.organization}, (w - 1) / ${WEDDINGS_PER_ORGANIZATION} + 1), pg_temp.sid(${KIND.wedding}, w), pg_temp.sid(${KIND.vendor}, v.n), v.role
     from generate_series(1, $1::int) w
     cross join lateral (values (${VENDOR_SQL('w', 0)}, 'photographer', true), (${VENDOR_SQL('w', 1)}, 'venue', true), (${VENDOR_SQL('w', 1)}, 'caterer', false),
                                (${VENDOR_SQL('w', 3)}, 'florist', false), (${VENDOR_SQL('w', 4)}, 'planner', true)) as v (n, role, always)
     where v.always or w % ${TODAY_EVERY} = 0`,
    [weddings],
  );
  await client.query(
    `insert into clients (id, organization_id, wedding_id, name, email, phone)
     select pg_temp.sid(${KIND.client}, (w - 1) * 2 + c), pg_temp.sid(${KIND.organization}, (w - 1) / ${WEDDINGS_PER_ORGANIZATION} + 1), pg_temp.sid(${KIND.wedding}, w),
       'Partner ' || c || ' of ' || w, 'c' || c || '.' || w || '@couple.example', '+1720555' || lpad(((w * 2 + c) % 10000)::text, 4, '0')
     from generate_series(1, $1::int) w, generate_series(1, 2) c`,
    [weddings],
  );
  // The demo's preferences: vendor 1 of each organization sleeps 22:00-07:00 in its zone, the first
  // partner of every third wedding takes no SMS, finance wants at most 10 an hour.
  await client.query(
    `insert into notification_preferences (id, organization_id, person_kind, person_id, opt_out_channels, quiet_hours_start, quiet_hours_end, time_zone, hourly_cap)
     select pg_temp.sid(${KIND.preference}, o), pg_temp.sid(${KIND.organization}, o), 'vendor', pg_temp.sid(${KIND.vendor}, (o - 1) * ${VENDORS_PER_ORGANIZATION} + 1), '{}'::text[], '22:00'::time, '07:00'::time, ${zones}, null::int
     from generate_series(1, $1::int) o
     union all
     select pg_temp.sid(${KIND.preference}, $1::int + o), pg_temp.sid(${KIND.organization}, o), 'staff', pg_temp.sid(${KIND.staff}, (o - 1) * 4 + 4), '{}', null, null, null, 10
     from generate_series(1, $1::int) o
     union all
     select pg_temp.sid(${KIND.preference}, 2 * $1::int + w), pg_temp.sid(${KIND.organization}, (w - 1) / ${WEDDINGS_PER_ORGANIZATION} + 1), 'client', pg_temp.sid(${KIND.client}, (w - 1) * 2 + 1), '{sms}'::text[], null, null, null, null
     from generate_series(3, $2::int, 3) w`,
    [organizations, weddings],
  );
}
