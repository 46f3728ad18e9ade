import type { SqlPool } from '../deliver/durable/delivery-ledger';
import type { EscalationStore } from '../escalation/escalation-store';

export const ackChannels = ['email', 'sms', 'slack', 'teams', 'in_app'] as const;
export type AckChannel = (typeof ackChannels)[number];

/** The delivery a person answered, as the ledger has it (no payload). */
export interface AnsweredDelivery {
  readonly id: string;
  readonly eventId: string;
  readonly organizationId: string | null;
  readonly channel: string;
  /** `staff:<uuid>`, `vendor:<uuid>`, `organization:<uuid>`… */
  readonly recipient: string;
}

export interface Acknowledgement {
  readonly eventId: string;
  readonly deliveryId: string;
  readonly channel: AckChannel;
  /** A reference, never an address: `staff:<uuid>`, `slack:<user id>`. */
  readonly actor: string;
  readonly actorName: string | null;
  readonly atMs: number;
}

export type AckResult = { readonly recorded: boolean; readonly ack: Acknowledgement };

/** Acknowledgements in PostgreSQL; recording one cancels its event's escalation in the same transaction. */
export class AckStore {
  constructor(
    private readonly pool: SqlPool,
    private readonly escalations: EscalationStore,
  ) {}

  async delivery(id: string): Promise<AnsweredDelivery | null> {
    const { rows } = await this.pool.query<{ id: string; event_id: string; organization_id: string | null; channel: string; recipient: string }>(
      `select id, event_id, organization_id, channel, recipient from deliveries where id = $1`,
      [id],
    );
    const r = rows[0];
    return r ? { id: r.id, eventId: r.event_id, organizationId: r.organization_id, channel: r.channel, recipient: r.recipient } : null;
  }

  /**
   * The first acknowledgement of an event wins and is returned to every later one; a repeat
   * records nothing. With `singleUseLink`, the link's delivery id is spent in the same
   * transaction and a second use answers null.
   */
  async record(ack: Acknowledgement & { readonly organizationId: string | null }, options: { singleUseLink?: boolean } = {}): Promise<AckResult | null> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      if (options.singleUseLink) {
        const used = await client.query(`insert into ack_link_uses (delivery_id, used_at) values ($1, $2) on conflict do nothing`, [ack.deliveryId, new Date(ack.atMs).toISOString()]);
        if ((used.rowCount ?? 0) === 0) {
          await client.query('rollback');
          return null;
        }
      }
      const inserted = await client.query(
        `insert into acknowledgements (event_id, delivery_id, organization_id, channel, actor, actor_name, acknowledged_at)
         values ($1, $2, $3, $4, $5, $6, $7) on conflict (event_id) do nothing`,
        [ack.eventId, ack.deliveryId, ack.organizationId, ack.channel, ack.actor, ack.actorName, new Date(ack.atMs).toISOString()],
      );
      const recorded = (inserted.rowCount ?? 0) > 0;
      if (recorded) await this.escalations.cancel(client, ack.eventId);
      const { rows } = await client.query<Record<string, unknown>>(`select * from acknowledgements where event_id = $1`, [ack.eventId]);
      await client.query('commit');
      return { recorded, ack: toAck(rows[0]!) };
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** The people whose phone is this E.164 number, as ledger recipients (`staff:<uuid>`…), with their organization. */
  async peopleByPhone(e164: string): Promise<{ kind: 'staff' | 'vendor' | 'client'; id: string; organizationId: string }[]> {
    const { rows } = await this.pool.query<{ kind: 'staff' | 'vendor' | 'client'; id: string; organization_id: string }>(
      `select 'staff' as kind, id, organization_id from organization_staff where regexp_replace(phone, '[^0-9+]', '', 'g') = $1
       union all select 'vendor', id, organization_id from vendors where regexp_replace(phone, '[^0-9+]', '', 'g') = $1
       union all select 'client', id, organization_id from clients where regexp_replace(phone, '[^0-9+]', '', 'g') = $1
       limit 50`,
      [e164],
    );
    return rows.map((r) => ({ kind: r.kind, id: r.id, organizationId: r.organization_id }));
  }

  /** The newest critical SMS to any of these recipients whose event nobody acknowledged yet. */
  async newestUnansweredSms(recipients: readonly string[]): Promise<AnsweredDelivery | null> {
    if (recipients.length === 0) return null;
    const { rows } = await this.pool.query<{ id: string; event_id: string; organization_id: string | null; channel: string; recipient: string }>(
      `select d.id, d.event_id, d.organization_id, d.channel, d.recipient from deliveries d
       where d.channel = 'sms' and d.priority = 'critical' and d.recipient = any($1::text[]) and d.status in ('delivered', 'pending')
         and not exists (select 1 from acknowledgements a where a.event_id = d.event_id)
       order by d.created_at desc limit 1`,
      [recipients],
    );
    const r = rows[0];
    return r ? { id: r.id, eventId: r.event_id, organizationId: r.organization_id, channel: r.channel, recipient: r.recipient } : null;
  }

  /** STOP: SMS is added to each such person's opt-outs, in their own organization's preferences. */
  async optOutSms(people: readonly { kind: string; id: string; organizationId: string }[]): Promise<number> {
    let changed = 0;
    for (const p of people) {
      const { rowCount } = await this.pool.query(
        `insert into notification_preferences (organization_id, person_kind, person_id, opt_out_channels) values ($1, $2, $3, array['sms'])
         on conflict (organization_id, person_kind, person_id) do update
           set opt_out_channels = array(select distinct unnest(notification_preferences.opt_out_channels || array['sms']) order by 1)
           where not ('sms' = any(notification_preferences.opt_out_channels))`,
        [p.organizationId, p.kind, p.id],
      );
      changed += rowCount ?? 0;
    }
    return changed;
  }
}

function toAck(r: Record<string, unknown>): Acknowledgement {
  return {
    eventId: String(r.event_id),
    deliveryId: String(r.delivery_id),
    channel: r.channel as AckChannel,
    actor: String(r.actor),
    actorName: (r.actor_name as string | null) ?? null,
    atMs: (r.acknowledged_at as Date).getTime(),
  };
}
