import type { Queryable } from '../lib/queryable';

/** Where each intake stream's catch-up cursor survives restarts. */
export interface CursorStore {
  /** The saved position, or null when this stream has never saved one. Throws if unreadable. */
  load(stream: string): Promise<unknown>;
  save(stream: string, position: unknown): Promise<void>;
}

/**
 * The `intake_cursors` table of migration 0003, in the schema the pool's search_path names first
 * (the tables' schema). One row per stream; the last writer wins, so one worker at a time must
 * own a stream's intake.
 */
export function createPgCursorStore(db: Queryable, table = 'intake_cursors'): CursorStore {
  const name = `"${table.replace(/"/g, '""')}"`;
  return {
    async load(stream) {
      const { rows } = await db.query<{ position: unknown }>({ text: `select position from ${name} where name = $1`, values: [stream] });
      return rows[0]?.position ?? null;
    },
    async save(stream, position) {
      await db.query({
        text: `insert into ${name} (name, position, updated_at) values ($1, $2::jsonb, now())
               on conflict (name) do update set position = excluded.position, updated_at = excluded.updated_at`,
        values: [stream, JSON.stringify(position)],
      });
    },
  };
}
