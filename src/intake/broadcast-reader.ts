import type { Queryable } from '../lib/queryable';
import { quoteName } from './sql-name';
import type { TimePosition } from './time-cursor';

export interface BroadcastMessage {
  readonly id: string;
  readonly payload: unknown;
  /** inserted_at, a `timestamp without time zone` Supabase writes in UTC, marked as UTC. */
  readonly at: string;
}

export type BroadcastPageStart = { readonly from: string | null } | { readonly after: { readonly at: string; readonly id: string } };

export interface BroadcastReader {
  initial(): Promise<TimePosition>;
  page(start: BroadcastPageStart): Promise<BroadcastMessage[]>;
  /** inserted_at of messages handled live (a broadcast carries no time), for the cursor. */
  stampsOf(ids: readonly string[]): Promise<Map<string, string>>;
}

/**
 * Reads realtime.messages back by `(inserted_at, id)`: inserted_at is the writing transaction's
 * start, shared by every message it wrote, so the id breaks ties. Supabase drops partitions
 * older than 72 h: a worker down for longer cannot recover what they held.
 */
export function createBroadcastReader(db: Queryable, messagesTable: string, topic: string, overlapMs: number, pageSize: number): BroadcastReader {
  const name = quoteName(messagesTable);
  const select = `select id::text as id, payload, to_jsonb(inserted_at) #>> '{}' as at from ${name} where topic = $1 and extension = 'broadcast'`;
  const utc = (at: string) => (/(Z|[+-]\d{2}(:?\d{2})?)$/.test(at) ? at : `${at}Z`);
  const read = async (text: string, values: unknown[]) => {
    const { rows } = await db.query<{ id: string; payload: unknown; at: string }>({ text, values });
    return rows.map((r) => ({ id: r.id, payload: r.payload, at: utc(r.at) }));
  };
  return {
    async initial() {
      const { rows } = await db.query<{ at: string | null }>({ text: `select to_jsonb(max(inserted_at)) #>> '{}' as at from ${name} where topic = $1`, values: [topic] });
      const at = rows[0]?.at ?? null;
      return { at: at === null ? null : utc(at), recent: [] };
    },
    page(start) {
      // A zone on a `timestamp` literal is ignored by PostgreSQL, so the UTC mark is harmless.
      if ('from' in start) {
        return read(`${select} and inserted_at > $2::timestamp - make_interval(secs => $3::float8 / 1000) order by inserted_at, id limit $4`, [
          topic,
          start.from ?? '-infinity',
          overlapMs,
          pageSize,
        ]);
      }
      return read(`${select} and (inserted_at, id) > ($2::timestamp, $3::uuid) order by inserted_at, id limit $4`, [topic, start.after.at, start.after.id, pageSize]);
    },
    async stampsOf(ids) {
      if (ids.length === 0) return new Map();
      const { rows } = await db.query<{ id: string; at: string }>({
        text: `select id::text as id, to_jsonb(inserted_at) #>> '{}' as at from ${name} where id = any($1::uuid[])`,
        values: [ids],
      });
      return new Map(rows.map((r) => [r.id, utc(r.at)]));
    },
  };
}
