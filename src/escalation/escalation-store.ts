import type { NotificationContent } from '../channels/messages';
import type { SqlClient } from '../deliver/durable/delivery-ledger';

export const ESCALATE_TASK = 'escalate';

/** One timer per event: a second schedule for the same event replaces nothing (see `track`). */
export const escalationJobKey = (eventId: string) => `escalate:${eventId}`;

export interface TrackedEvent {
  readonly eventId: string;
  readonly organizationId: string | null;
  readonly weddingId: string | null;
  readonly kind: string;
  readonly priority: string;
  readonly policy: string;
  readonly content: NotificationContent;
  /** When the first tier is due, from the injected clock. */
  readonly dueAtMs: number;
  readonly nowMs: number;
}

export interface EscalationRow {
  readonly eventId: string;
  readonly organizationId: string | null;
  readonly weddingId: string | null;
  readonly kind: string;
  readonly priority: string;
  readonly policy: string;
  readonly tier: number;
  readonly state: 'waiting' | 'acknowledged' | 'exhausted';
  readonly content: NotificationContent;
  readonly createdAtMs: number;
}

/**
 * The escalations table and its graphile-worker timers, written together in one statement, so
 * an event is never waiting without a timer nor the reverse. Needs the queue's schema name.
 */
export class EscalationStore {
  private readonly gw: string;

  constructor(queueSchema: string) {
    this.gw = `"${queueSchema.replace(/"/g, '')}"`;
  }

  /**
   * Starts waiting for an acknowledgement of this event, once: a change seen again (a replay, a
   * second replica, a catch-up) finds the row and leaves its timer as it is. True when new.
   */
  async track(db: SqlClient, event: TrackedEvent): Promise<boolean> {
    return (await this.trackMany(db, [event])).has(event.eventId);
  }

  /**
   * `track` for many events in one statement (the escalations of changes decided together): one
   * commit, and one NOTIFY, instead of one each. Returns the ids of the events that were new.
   */
  async trackMany(db: SqlClient, events: readonly TrackedEvent[]): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    // The first copy of an event wins, as it would have one statement at a time.
    const firsts = new Map<string, TrackedEvent>();
    for (const e of events) if (!firsts.has(e.eventId)) firsts.set(e.eventId, e);
    const rows = [...firsts.values()].map((e) => ({
      event_id: e.eventId,
      organization_id: e.organizationId,
      wedding_id: e.weddingId,
      kind: e.kind,
      priority: e.priority,
      policy: e.policy,
      next_at: new Date(e.dueAtMs).toISOString(),
      content: e.content,
      created_at: new Date(e.nowMs).toISOString(),
    }));
    const { rows: inserted } = await db.query<{ event_id: string }>(
      `with input as (
         select * from jsonb_to_recordset($1::jsonb) as x(
           event_id text, organization_id uuid, wedding_id uuid, kind text, priority text, policy text,
           next_at timestamptz, content jsonb, created_at timestamptz)
       ), inserted as (
         insert into escalations (event_id, organization_id, wedding_id, kind, priority, policy, next_at, content, created_at)
         select event_id, organization_id, wedding_id, kind, priority, policy, next_at, content, created_at from input
         on conflict (event_id) do nothing
         returning event_id, next_at
       ), jobs as (
         -- preserve_run_at: a timer left from an earlier row of this event keeps its time.
         select ${this.gw}.add_jobs(array(
           select json_populate_record(null::${this.gw}.job_spec, json_build_object(
             'identifier', '${ESCALATE_TASK}', 'payload', json_build_object('eventId', i.event_id), 'run_at', i.next_at,
             'job_key', '${escalationJobKey('')}' || i.event_id, 'max_attempts', 25))
           from inserted i), true) as added
       )
       select n.event_id from inserted n, (select count(*) from jobs) as forced`,
      [JSON.stringify(rows)],
    );
    return new Set(inserted.map((r) => r.event_id));
  }

  /** The row, locked until the transaction ends: one firing at a time, whatever the replicas. */
  async lock(db: SqlClient, eventId: string): Promise<EscalationRow | null> {
    const { rows } = await db.query<Record<string, unknown>>(`select * from escalations where event_id = $1 for update`, [eventId]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  /** A tier was sent to; the next timer is due at `nextAtMs`, or none is left (exhausted). */
  async advance(db: SqlClient, eventId: string, tier: number, nextAtMs: number | null): Promise<void> {
    await db.query(`update escalations set tier = $2, state = $3, next_at = $4, updated_at = now() where event_id = $1`, [
      eventId,
      tier,
      nextAtMs === null ? 'exhausted' : 'waiting',
      nextAtMs === null ? null : new Date(nextAtMs).toISOString(),
    ]);
    if (nextAtMs !== null) {
      // The running job still holds the key; graphile-worker then clears it from the running job
      // and inserts this one, so the next tier has its own durable timer.
      await db.query(`select ${this.gw}.add_job('${ESCALATE_TASK}', json_build_object('eventId', $1::text), run_at := $2, job_key := $3, max_attempts := 25, job_key_mode := 'replace')`, [
        eventId,
        new Date(nextAtMs).toISOString(),
        escalationJobKey(eventId),
      ]);
    }
  }

  /** Someone answered: nothing more is sent for this event, to anyone. */
  async cancel(db: SqlClient, eventId: string): Promise<boolean> {
    const { rowCount } = await db.query(`update escalations set state = 'acknowledged', next_at = null, updated_at = now() where event_id = $1 and state <> 'acknowledged'`, [eventId]);
    // A job already running is left to finish; it finds the row acknowledged and sends nothing.
    await db.query(`select ${this.gw}.remove_job($1)`, [escalationJobKey(eventId)]);
    return (rowCount ?? 0) > 0;
  }

  /** Critical messages nobody acknowledged yet: age and tier reached, for /status. No content, no names. */
  async unacknowledged(db: SqlClient, limit = 50): Promise<{ eventId: string; kind: string; policy: string; tier: number; state: string; createdAtMs: number; nextAtMs: number | null }[]> {
    const { rows } = await db.query<Record<string, unknown>>(
      `select event_id, kind, policy, tier, state, created_at, next_at from escalations where state <> 'acknowledged' order by created_at limit $1`,
      [Math.max(1, Math.min(500, limit))],
    );
    return rows.map((r) => ({
      eventId: String(r.event_id),
      kind: String(r.kind),
      policy: String(r.policy),
      tier: Number(r.tier),
      state: String(r.state),
      createdAtMs: (r.created_at as Date).getTime(),
      nextAtMs: r.next_at ? (r.next_at as Date).getTime() : null,
    }));
  }

  /** Open escalations by tier reached, for the metrics gauge. */
  async openByTier(db: SqlClient): Promise<Record<string, number>> {
    const { rows } = await db.query<{ tier: number; state: string; count: string }>(`select tier, state, count(*) as count from escalations where state <> 'acknowledged' group by tier, state`);
    const out: Record<string, number> = {};
    for (const r of rows) out[`${r.tier}:${r.state}`] = Number(r.count);
    return out;
  }
}

function toRow(r: Record<string, unknown>): EscalationRow {
  return {
    eventId: String(r.event_id),
    organizationId: (r.organization_id as string | null) ?? null,
    weddingId: (r.wedding_id as string | null) ?? null,
    kind: String(r.kind),
    priority: String(r.priority),
    policy: String(r.policy),
    tier: Number(r.tier),
    state: r.state as EscalationRow['state'],
    content: r.content as NotificationContent,
    createdAtMs: (r.created_at as Date).getTime(),
  };
}
