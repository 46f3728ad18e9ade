import type { Queryable } from '../lib/queryable';
import type { Row } from './change-event';
import type { GapPosition } from './gap-cursor';
import { quoteName } from './sql-name';

export interface OutboxReader {
  /** Where a stream that never saved a cursor starts: after the newest row (no replay of history). */
  initial(): Promise<GapPosition>;
  /** Up to pageSize outbox rows above `afterId`, in id order, as to_jsonb prints them. */
  page(afterId: number): Promise<Row[]>;
}

export function createOutboxReader(db: Queryable, schema: string, table: string, pageSize: number): OutboxReader {
  const name = `${quoteName(schema)}.${quoteName(table)}`;
  return {
    async initial() {
      const { rows } = await db.query<{ max: string }>({ text: `select coalesce(max(id), 0)::text as max from ${name}` });
      return { after: Number(rows[0]?.max ?? 0), seen: [] };
    },
    async page(afterId) {
      // to_jsonb gives the same JSON casts Realtime applies to the row it pushes.
      const { rows } = await db.query<{ row: Row }>({
        text: `select to_jsonb(o.*) as row from ${name} o where o.id > $1 order by o.id limit $2`,
        values: [String(afterId), pageSize],
      });
      return rows.map((r) => r.row);
    },
  };
}
