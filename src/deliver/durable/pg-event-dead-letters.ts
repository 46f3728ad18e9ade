import type { ChangeEvent } from '../../intake/change-event';
import type { EventDeadLetters } from '../dead-letters';
import type { SqlClient } from './delivery-ledger';

/** Above this the rows of a dead event are left out: its identity is what replay and people need. */
export const MAX_STORED_EVENT_BYTES = 64 * 1024;

/** Event dead letters in the dead_events table: kept across restarts, listed by the CLI. */
export function createPgEventDeadLetters(db: SqlClient): EventDeadLetters {
  return {
    async record(event, reason) {
      await db.query(
        `insert into dead_events (event_id, source_table, operation, reason, event) values ($1, $2, $3, $4, $5)
         on conflict (event_id) do update set reason = excluded.reason`,
        [event.id, event.table, event.operation, reason, storedEvent(event)],
      );
    },
    async recent(limit = 100) {
      const { rows } = await db.query<{ event_id: string; source_table: string; operation: string; reason: string; created_at: Date }>(
        'select event_id, source_table, operation, reason, created_at from dead_events order by created_at desc limit $1',
        [limit],
      );
      return rows.reverse().map((r) => ({ eventId: r.event_id, table: r.source_table, operation: r.operation, reason: r.reason, atMs: r.created_at.getTime() }));
    },
  };
}

/** The event as JSON, its rows replaced by their size when they would make it huge. */
export function storedEvent(event: ChangeEvent): string {
  const whole = JSON.stringify(event);
  const bytes = Buffer.byteLength(whole, 'utf8');
  if (bytes <= MAX_STORED_EVENT_BYTES) return whole;
  return JSON.stringify({ ...event, record: null, oldRecord: null, rowsOmitted: { bytes } });
}
