import type { PoolClient } from 'pg';
import type { Connection, MilestoneAction } from '../connections/connection';
import { splitName } from './local-time';

/** Why a person was not sent to a marketing platform; recorded per sync, summed in the receipt. */
export type SkipReason = 'no_consent' | 'consent_withdrawn' | 'no_email' | 'unsubscribed' | 'forgotten' | 'invalid_address' | 'compliance' | 'member_exists';

export interface MarketingPerson {
  readonly clientId: string;
  readonly email: string | null;
  readonly firstName: string;
  readonly lastName: string;
  readonly consent: { readonly id: string; readonly source: string; readonly grantedAt: string } | null;
  readonly withdrawn: boolean;
  /** The platform already said stop for this person (an unsubscribe, a forgotten address). */
  readonly suppressed: SkipReason | null;
}

interface PersonRow {
  client_id: string;
  name: string;
  email: string | null;
  consent_id: string | null;
  consent_source: string | null;
  consent_granted_at: string | null;
  withdrawn_at: string | null;
  suppressed: SkipReason | null;
}

// The newest consent of each person counts. An unsubscribe in any of the organization's
// marketing platforms stops them all; a refused address stops only the platform that refused it.
const PEOPLE_SQL = `
  select c.id as client_id, c.name, c.email, m.id as consent_id, m.source as consent_source,
         to_char(m.granted_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as consent_granted_at, m.withdrawn_at,
         (select s.reason from marketing_suppressions s
           where s.client_id = c.id and (s.connection_id = $3 or (s.reason = 'unsubscribed' and exists (
             select 1 from partner_connections p where p.id = s.connection_id and p.organization_id = c.organization_id)))
           order by (s.connection_id = $3) desc limit 1) as suppressed
    from clients c
    left join lateral (select * from marketing_consents mc where mc.client_id = c.id order by mc.granted_at desc, mc.created_at desc limit 1) m on true
   where c.organization_id = $1 and c.wedding_id = $2
   order by c.created_at, c.id`;

/** The wedding's couple as a marketing platform may see them: consent, withdrawal, suppression. */
export async function loadMarketingPeople(db: PoolClient, connection: Connection, weddingId: string): Promise<MarketingPerson[]> {
  const { rows } = await db.query<PersonRow>(PEOPLE_SQL, [connection.organizationId, weddingId, connection.id]);
  return rows.map((r) => {
    const names = splitName(r.name);
    return {
      clientId: r.client_id,
      email: r.email?.trim() || null,
      firstName: names.first,
      lastName: names.last,
      consent: r.consent_id ? { id: r.consent_id, source: r.consent_source ?? '', grantedAt: r.consent_granted_at ?? '' } : null,
      withdrawn: r.withdrawn_at !== null,
      suppressed: r.suppressed,
    };
  });
}

/** Why this person must not be sent, or null when they may. */
export function skipReasonOf(person: MarketingPerson): SkipReason | null {
  if (!person.consent) return 'no_consent';
  if (person.withdrawn) return 'consent_withdrawn';
  if (person.suppressed) return person.suppressed;
  if (!person.email) return 'no_email';
  return null;
}

/** The milestones of the wedding completed so far that this connection does something for. */
export async function completedMilestones(db: PoolClient, connection: Connection, weddingId: string): Promise<[string, MilestoneAction][]> {
  const wanted = Object.keys(connection.options.milestones);
  if (wanted.length === 0) return [];
  const { rows } = await db.query<{ milestone: string }>(
    `select milestone from journey_progress where organization_id = $1 and wedding_id = $2 and status = 'completed' and milestone = any($3) order by completed_at nulls last, milestone`,
    [connection.organizationId, weddingId, wanted],
  );
  return rows.map((r) => [r.milestone, connection.options.milestones[r.milestone]!]);
}

export type SyncAction = 'upserted' | 'tagged' | 'journey_triggered' | 'listed' | 'skipped' | 'archived';

/**
 * The marketing ledger of one send: every sync and every skip, with what was sent (never the
 * address) and the consent it went under; the platform's references and its "stop" answers.
 */
export class MarketingRecord {
  private readonly skips = new Map<SkipReason, number>();
  private synced = 0;

  constructor(
    private readonly db: PoolClient,
    private readonly connection: Connection,
    private readonly deliveryId: string,
  ) {}

  async record(person: MarketingPerson, action: SyncAction, sent: Record<string, unknown>, reason: string | null = null): Promise<void> {
    await this.db.query(
      `insert into marketing_syncs (organization_id, connection_id, client_id, delivery_id, action, reason, consent_id, consent_source, consent_granted_at, sent)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [this.connection.organizationId, this.connection.id, person.clientId, this.deliveryId, action, reason, person.consent?.id ?? null, person.consent?.source ?? null, person.consent?.grantedAt || null, JSON.stringify(sent)],
    );
  }

  async skipped(person: MarketingPerson, reason: SkipReason, detail: string | null = null): Promise<void> {
    this.skips.set(reason, (this.skips.get(reason) ?? 0) + 1);
    await this.record(person, 'skipped', detail ? { detail } : {}, reason);
  }

  countSynced(): void {
    this.synced += 1;
  }

  /** The platform said stop for this person: no later send reaches them there (or anywhere, for an unsubscribe). */
  async suppress(person: MarketingPerson, reason: Exclude<SkipReason, 'no_consent' | 'consent_withdrawn' | 'no_email' | 'member_exists'>, detail: string | null): Promise<void> {
    await this.db.query(
      `insert into marketing_suppressions (connection_id, client_id, reason, detail) values ($1, $2, $3, $4)
       on conflict (connection_id, client_id) do update set reason = excluded.reason, detail = excluded.detail`,
      [this.connection.id, person.clientId, reason, detail],
    );
    await this.skipped(person, reason, detail);
  }

  /**
   * Who this person is in the platform, for a later erasure. A person deleted while this send
   * was at the platform found no reference for the delete's trigger: the request is written here.
   */
  async remember(person: MarketingPerson, externalRef: string): Promise<void> {
    await this.db.query(
      `with ref as (
         insert into marketing_contacts (connection_id, client_id, external_ref) values ($1, $2, $3)
         on conflict (connection_id, client_id) do update set external_ref = excluded.external_ref, updated_at = now())
       insert into marketing_erasures (client_id, organization_id)
       select $2, $4 where not exists (select 1 from clients where id = $2) on conflict (client_id) do update set done_at = null`,
      [this.connection.id, person.clientId, externalRef, this.connection.organizationId],
    );
  }

  /** Claims the one start of a journey step for this person and milestone; false when already started. */
  async claimJourney(person: MarketingPerson, milestone: string, sent: Record<string, unknown>): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `insert into marketing_syncs (organization_id, connection_id, client_id, delivery_id, action, consent_id, consent_source, consent_granted_at, sent)
       values ($1, $2, $3, $4, 'journey_triggered', $5, $6, $7, $8) on conflict do nothing`,
      [this.connection.organizationId, this.connection.id, person.clientId, this.deliveryId, person.consent?.id ?? null, person.consent?.source ?? null, person.consent?.grantedAt || null, JSON.stringify({ ...sent, milestone })],
    );
    return (rowCount ?? 0) > 0;
  }

  /** The start failed: let a retry claim it again. */
  async releaseJourney(person: MarketingPerson, milestone: string): Promise<void> {
    await this.db.query(`delete from marketing_syncs where connection_id = $1 and client_id = $2 and action = 'journey_triggered' and sent ->> 'milestone' = $3`, [this.connection.id, person.clientId, milestone]);
  }

  /** What the delivery ledger keeps of this send: counts and reasons, never a person. */
  summary(partner: string): string {
    const skipped = [...this.skips.entries()].map(([reason, n]) => `${reason}=${n}`).join(',');
    return `${partner}: synced ${this.synced}${skipped ? `; skipped ${skipped}` : ''}`;
  }

  get syncedCount(): number {
    return this.synced;
  }
}
