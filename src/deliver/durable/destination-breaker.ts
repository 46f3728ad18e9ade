import type { EndpointHealthConfig } from '../../config/worker-config.schema';
import type { DestinationHealthRow, SqlClient } from './delivery-ledger';

export type DestinationState =
  | { readonly state: 'closed' }
  | { readonly state: 'open'; readonly untilMs: number }
  | { readonly state: 'disabled'; readonly reason: string };

export interface BreakerRow {
  readonly destination: string;
  readonly consecutiveFailures: number;
  readonly state: 'closed' | 'failing' | 'open' | 'disabled';
  readonly openUntilMs: number | null;
  readonly reason: string | null;
}

export interface FailureVerdict {
  /** The circuit opened (or stayed open) with this failure. */
  readonly open: boolean;
  readonly disabled: boolean;
  /** It would have been disabled, but one of the organization's weddings is in its protected window. */
  readonly heldForWedding: boolean;
}

/** Only endpoints a tenant gave us get a breaker: providers (Resend, Twilio) are shared by all. */
export function hasBreaker(destination: string): boolean {
  return /^(webhook|slack|teams):/.test(destination);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface TenantAddress {
  readonly channel: 'webhook' | 'slack' | 'teams';
  readonly id: string;
  readonly table: 'webhook_endpoints' | 'organizations';
  readonly column: string;
}

/** Where a tenant destination's URL lives: an endpoint's row, or its organization's. */
function tenantAddress(destination: string): TenantAddress | null {
  const [channel, id = ''] = destination.split(/:(.*)/s);
  if (!UUID.test(id)) return null;
  if (channel === 'webhook') return { channel, id, table: 'webhook_endpoints', column: 'url' };
  if (channel === 'slack' || channel === 'teams') return { channel, id, table: 'organizations', column: `${channel}_webhook_url` };
  return null;
}

/** A digest of a URL column: enough to tell a new URL from the old, nothing to leak. */
function fingerprint(column: string): string {
  return `encode(sha256(convert_to(${column}, 'UTF8')), 'hex')`;
}

/**
 * A circuit breaker per destination, in PostgreSQL so every replica sees the same state: after
 * `failureThreshold` consecutive failures it opens for `openForMs`, then lets a probe through.
 * A destination failing without a break for `disableAfterMs`, or answering "gone" (410), is
 * disabled — except while a wedding of its organization is in its protected window (the day
 * before to the day after, in the wedding's zone): then it stays on and the caller alerts.
 */
export class DestinationBreaker {
  constructor(
    private readonly db: SqlClient,
    private readonly config: EndpointHealthConfig,
  ) {}

  /** Every destination with a history, most troubled first (at most `limit`). */
  async rows(limit = 200): Promise<BreakerRow[]> {
    const { rows } = await this.db.query<{ destination: string; consecutive_failures: number; open_until: Date | null; open: boolean; last_error: string | null; disabled_reason: string | null }>(
      `select destination, consecutive_failures, open_until, coalesce(open_until > now(), false) as open, last_error, disabled_reason
       from destination_health order by disabled_at is null, consecutive_failures desc, updated_at desc limit $1`,
      [limit],
    );
    return rows.map((r) => ({
      destination: r.destination,
      consecutiveFailures: r.consecutive_failures,
      state: r.disabled_reason !== null ? 'disabled' : r.open ? 'open' : r.consecutive_failures > 0 ? 'failing' : 'closed',
      openUntilMs: r.open && r.open_until ? r.open_until.getTime() : null,
      reason: r.disabled_reason ?? r.last_error,
    }));
  }

  /** The state a destination's health row means (the ledger reads the row with the delivery). */
  static stateOf(health: DestinationHealthRow | null): DestinationState {
    if (!health) return { state: 'closed' };
    if (health.disabledReason !== null) return { state: 'disabled', reason: health.disabledReason };
    if (health.openUntil && health.openUntil > health.now) return { state: 'open', untilMs: health.openUntil.getTime() };
    return { state: 'closed' };
  }

  /** Whether a success has anything to reset: most do not, and then cost no write. */
  static needsReset(health: DestinationHealthRow | null): boolean {
    return health !== null && (health.consecutiveFailures > 0 || health.openUntil !== null);
  }

  async success(destination: string): Promise<void> {
    await this.db.query(
      `update destination_health set consecutive_failures = 0, first_failure_at = null, open_until = null, updated_at = now()
       where destination = $1 and (consecutive_failures > 0 or open_until is not null)`,
      [destination],
    );
  }

  async failure(destination: string, failure: { message: string; gone: boolean; organizationId: string | null }): Promise<FailureVerdict> {
    const { rows } = await this.db.query<{ open: boolean; sustained: boolean }>(
      `insert into destination_health as h (destination, consecutive_failures, first_failure_at, last_error, open_until)
       values ($1, 1, now(), $2, case when $3::int <= 1 then now() + $4::int * interval '1 millisecond' end)
       on conflict (destination) do update set
         consecutive_failures = h.consecutive_failures + 1,
         first_failure_at = coalesce(h.first_failure_at, now()),
         last_error = $2,
         open_until = case when h.consecutive_failures + 1 >= $3 then now() + $4::int * interval '1 millisecond' else h.open_until end,
         updated_at = now()
       returning open_until > now() as open, now() - first_failure_at >= $5::bigint * interval '1 millisecond' as sustained`,
      [destination, failure.message.slice(0, 500), this.config.failureThreshold, this.config.openForMs, this.config.disableAfterMs],
    );
    const row = rows[0]!;
    if (!failure.gone && !row.sustained) return { open: !!row.open, disabled: false, heldForWedding: false };
    if (await this.weddingProtected(failure.organizationId)) return { open: !!row.open, disabled: false, heldForWedding: true };
    const reason = failure.gone ? `answered gone: ${failure.message}` : `failing for longer than ${Math.round(this.config.disableAfterMs / 3_600_000)} h: ${failure.message}`;
    await this.disable(destination, reason.slice(0, 500));
    return { open: true, disabled: true, heldForWedding: false };
  }

  /**
   * Also switches a tenant webhook endpoint off in its own row, so no new delivery is planned, in
   * the same statement: a run never sees the destination disabled and its endpoint still on.
   */
  private async disable(destination: string, reason: string): Promise<void> {
    const tenant = tenantAddress(destination);
    await this.db.query(
      `with health as (
         update destination_health set disabled_at = now(), disabled_reason = $2, disabled_fingerprint = ${tenant ? `(select ${fingerprint(tenant.column)} from ${tenant.table} where id = $3::uuid)` : 'null'}, updated_at = now()
         where destination = $1 returning destination
       )
       update webhook_endpoints set enabled = false, disabled_reason = $2, disabled_at = now()
       where $4 and id = $3::uuid and exists (select 1 from health)`,
      [destination, reason, tenant?.id ?? null, tenant?.channel === 'webhook'],
    );
  }

  /**
   * A disabled destination whose tenant row changed since (a new URL, an endpoint switched back
   * on) is enabled again, with a clean slate; true when it was. Read fresh, not from any cache.
   */
  async reEnableIfChanged(destination: string): Promise<boolean> {
    const tenant = tenantAddress(destination);
    if (!tenant) return false;
    const changed =
      tenant.channel === 'webhook'
        ? `exists (select 1 from webhook_endpoints where id = $2::uuid and (enabled or ${fingerprint('url')} is distinct from h.disabled_fingerprint))`
        : `coalesce((select ${tenant.column} is not null and ${fingerprint(tenant.column)} is distinct from h.disabled_fingerprint from ${tenant.table} where id = $2::uuid), false)`;
    return this.clear(destination, tenant, `h.disabled_at is not null and ${changed}`);
  }

  /** An operator's decision: the destination is enabled again whatever its history. */
  async enable(destination: string): Promise<boolean> {
    return this.clear(destination, tenantAddress(destination), 'true');
  }

  private async clear(destination: string, tenant: TenantAddress | null, condition: string): Promise<boolean> {
    const { rows } = await this.db.query(
      `with cleared as (
         update destination_health h set disabled_at = null, disabled_reason = null, disabled_fingerprint = null, consecutive_failures = 0,
           first_failure_at = null, open_until = null, last_error = null, updated_at = now()
         where h.destination = $1 and ${condition}
         returning destination
       ), endpoint as (
         update webhook_endpoints set enabled = true, disabled_reason = null, disabled_at = null
         where $3 and id = $2::uuid and disabled_reason is not null and exists (select 1 from cleared)
       )
       select destination from cleared`,
      [destination, tenant?.id ?? null, tenant?.channel === 'webhook'],
    );
    return rows.length > 0;
  }

  private async weddingProtected(organizationId: string | null): Promise<boolean> {
    if (!organizationId) return false;
    const { rows } = await this.db.query<{ protected: boolean }>(
      `select exists (
         select 1 from weddings
         where organization_id = $1 and status <> 'cancelled'
           and wedding_date between (now() at time zone time_zone)::date - 1 and (now() at time zone time_zone)::date + 1
       ) as protected`,
      [organizationId],
    );
    return rows[0]?.protected ?? false;
  }
}
