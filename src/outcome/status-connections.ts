import type { Queryable } from '../lib/queryable';

/** A partner connection that is off or failing, as the person on call needs it: ids, partner, reason. */
export interface ConnectionStatusView {
  readonly id: string;
  readonly organizationId: string;
  readonly partner: string;
  readonly state: string;
  readonly enabled: boolean;
  /** Why, in the words it was stopped with (the partner's answer, never a credential). */
  readonly reason: string | null;
  readonly since: string;
}

export interface ConnectionsStatus {
  readonly troubled: readonly ConnectionStatusView[];
  /** All such connections (the list shows the newest 50). */
  readonly total: number;
}

const SHOWN = 50;

/** Reads partner connections that are stopped (revoked, disabled) or failing, newest first, bounded. */
export function createConnectionsReader(db: Queryable): () => Promise<ConnectionsStatus> {
  return async () => {
    const { rows } = await db.query<{ id: string; organization_id: string; partner: string; health_state: string; enabled: boolean; health_reason: string | null; health_since: Date; total: string }>({
      text: `select id, organization_id, partner, health_state, enabled, health_reason, health_since, count(*) over () as total
       from partner_connections where not enabled or health_state in ('revoked', 'failing')
       order by health_since desc, id limit ${SHOWN}`,
    });
    return {
      troubled: rows.map((r) => ({ id: r.id, organizationId: r.organization_id, partner: r.partner, state: r.health_state, enabled: r.enabled, reason: r.health_reason, since: r.health_since.toISOString() })),
      total: Number(rows[0]?.total ?? 0),
    };
  };
}
