import type { ContextReference, ContextResult, EventContext } from './event-context';
import {
  toEndpoint,
  toOrganization,
  toPerson,
  toWedding,
  type EndpointRow,
  type OrganizationRow,
  type PersonRow,
  type WeddingRow,
} from './context-rows';
import type { Queryable } from '../lib/queryable';

// One statement reads the whole context: one round trip, one snapshot (the people cannot come
// from a later state than the wedding), one pooled connection per miss even when a burst of
// changes invalidates many contexts at once, and it works on a client inside a transaction.
// The same statement reads many contexts (changes decided together): the one-context query runs
// once per row of the input arrays (a lateral subquery), so only the round trip is shared. Each
// result row carries its request's position (`i`, 1-based), never an id read from the data.
//
// Every table is filtered by organization_id = r.organization_id (the request's own) on its own,
// not only through a join: a wrong or missing join condition then returns too little, never
// another tenant's rows.
const CONTEXTS = `
  select r.i::int as i, ctx.*
  from unnest($1::uuid[], $2::uuid[]) with ordinality as r(organization_id, wedding_id, i)
  cross join lateral (
  with wedding as (
    select id, organization_id, couple_name, to_char(wedding_date, 'YYYY-MM-DD') as wedding_date,
           time_zone, venue_name, status
    from weddings
    where organization_id = r.organization_id and id = r.wedding_id
  ), people as (
    select 'vendor' as kind, 0 as kind_order, v.id, v.organization_id, v.name, v.email, v.phone,
           array_agg(distinct wv.role order by wv.role) as roles, null::text as slack_user_id
    from wedding_vendors wv
    join wedding on wedding.id = wv.wedding_id
    join vendors v on v.organization_id = r.organization_id and v.id = wv.vendor_id
    where wv.organization_id = r.organization_id
    group by v.id
    union all
    select 'client', 1, c.id, c.organization_id, c.name, c.email, c.phone, array['couple'], null
    from clients c
    join wedding on wedding.id = c.wedding_id
    where c.organization_id = r.organization_id
    union all
    select 'staff', 2, s.id, s.organization_id, s.name, s.email, s.phone, array[s.role], s.slack_user_id
    from organization_staff s
    where s.organization_id = r.organization_id
  ), people_with_preferences as (
    select p.*, np.opt_out_channels, to_char(np.quiet_hours_start, 'HH24:MI') as quiet_hours_start,
           to_char(np.quiet_hours_end, 'HH24:MI') as quiet_hours_end, np.time_zone, np.hourly_cap
    from people p
    left join notification_preferences np
      on np.organization_id = r.organization_id and np.person_kind = p.kind and np.person_id = p.id
  ), endpoints as (
    select id, organization_id, name, url, secret, event_types, enabled, rate_limit_per_minute
    from webhook_endpoints
    where organization_id = r.organization_id
  )
  select
    (select row_to_json(o) from (
       select id, name, time_zone, slack_webhook_url, teams_webhook_url,
              -- The Slack app's options only, as ConnectionStore.openEnabled picks the connection.
              (select json_build_object('wedding_channels', coalesce(pc.options->'weddingChannels' = 'true'::jsonb, false),
                                        'default_channel', pc.options->>'defaultChannel')
               from partner_connections pc
               where pc.organization_id = r.organization_id and pc.partner = 'slack' and pc.enabled
               order by pc.updated_at desc, pc.id limit 1) as slack_app
       from organizations where id = r.organization_id
     ) o) as organization,
    (select row_to_json(w) from wedding w) as wedding,
    -- The only read not filtered by organization, and it returns one bit: whether a wedding the
    -- organization does not have exists at all (another tenant's) or not.
    exists (select 1 from weddings where id = r.wedding_id) as wedding_exists,
    coalesce((select json_agg(p order by p.kind_order, p.name, p.id) from people_with_preferences p), '[]') as people,
    coalesce((select json_agg(e order by e.name, e.id) from endpoints e), '[]') as endpoints) ctx
  order by r.i`;

/**
 * Every table the context query reads. A change to any other table (a form response, a payment)
 * cannot make a cached context stale, so only changes to these invalidate it. Keep in step with CONTEXT.
 */
export const CONTEXT_TABLES: ReadonlySet<string> = new Set([
  'organizations',
  'weddings',
  'wedding_vendors',
  'vendors',
  'clients',
  'organization_staff',
  'notification_preferences',
  'webhook_endpoints',
  // The worker writes it (CLI, a refused token): no change of it is streamed, the cache's TTL bounds it.
  'partner_connections',
]);

interface ContextRow {
  readonly i: number;
  readonly organization: OrganizationRow | null;
  readonly wedding: WeddingRow | null;
  readonly wedding_exists: boolean;
  readonly people: PersonRow[];
  readonly endpoints: EndpointRow[];
}

export interface LoadOptions {
  readonly defaultTimeZone: string;
  /** Use a named prepared statement: planning the query costs more than running it. */
  readonly prepare: boolean;
}

/**
 * Reads the contexts of `references` in one statement, in their order. `reference` ids must be
 * lower-case UUIDs. Each result stands alone: a missing wedding, or a context that fails its
 * tenant check, is that reference's result (an Error for the latter); the statement failing
 * (its deadline, the database away) rejects the whole call.
 */
export async function loadContexts(
  db: Queryable,
  references: readonly ContextReference[],
  { defaultTimeZone, prepare }: LoadOptions,
): Promise<(ContextResult | Error)[]> {
  const values = [references.map((r) => r.organizationId), references.map((r) => r.weddingId)];
  const { rows } = await db.query<ContextRow>(prepare ? { name: 'wedsync_event_contexts', text: CONTEXTS, values } : { text: CONTEXTS, values });
  const byPosition = new Map(rows.map((row) => [row.i, row]));
  return references.map((reference, index) => {
    try {
      return toResult(reference, byPosition.get(index + 1), defaultTimeZone);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  });
}

/** Reads one context in one query. `reference` ids must be lower-case UUIDs. */
export async function loadContext(db: Queryable, reference: ContextReference, options: LoadOptions): Promise<ContextResult> {
  const [result] = await loadContexts(db, [reference], options);
  if (result instanceof Error || result === undefined) throw result ?? new Error('no context row');
  return result;
}

function toResult(reference: ContextReference, row: ContextRow | undefined, defaultTimeZone: string): ContextResult {
  const { organizationId, weddingId } = reference;
  if (!row?.organization) return { ok: false, reason: 'organization_not_found', detail: `organization ${organizationId} not found` };
  if (weddingId !== null && !row.wedding) {
    return row.wedding_exists
      ? { ok: false, reason: 'wedding_in_other_organization', detail: `wedding ${weddingId} does not belong to organization ${organizationId}` }
      : { ok: false, reason: 'wedding_not_found', detail: `wedding ${weddingId} not found` };
  }
  const organization = toOrganization(row.organization, defaultTimeZone);
  const wedding = row.wedding && toWedding(row.wedding, organization);
  const context: EventContext = {
    organization,
    wedding,
    people: row.people.map((p) => toPerson(p, wedding?.timeZone ?? organization.timeZone)),
    webhookEndpoints: row.endpoints.map(toEndpoint),
  };
  // Checked per reference: in a batch, a row of another organization fails this reference only.
  const foreign = [organization, wedding, ...context.people, ...context.webhookEndpoints].find(
    (r) => r && ('organizationId' in r ? r.organizationId : r.id) !== organizationId,
  );
  // Unreachable while the query filters every table; if that ever breaks, fail the change rather
  // than message another tenant's people.
  if (foreign) throw new Error(`tenant isolation: context of organization ${organizationId} read row ${foreign.id} of another organization`);
  return { ok: true, context };
}
