import type { Queryable } from '../lib/queryable';
import type { CursorStore } from './cursor-store';
import type { Lease } from './lease-store';

/** A cursor save refused because the saver no longer holds the stream's lease. */
export class CursorFencedError extends Error {
  constructor(stream: string) {
    super(`cursor of "${stream}" not saved: this replica no longer holds its lease`);
    this.name = 'CursorFencedError';
  }
}

/**
 * intake_cursors written only under the lease: the save and the lease check are one statement,
 * and `for share` holds the lease row until it commits, so a takeover (which updates that row)
 * either waits for the save, whose cursor the new holder then loads, or commits first and the
 * save finds no row and writes nothing. A replica that lost the stream can thus move its cursor
 * neither back nor forward under the new holder. `onFenced` hears of every refusal.
 */
export function createFencedCursorStore(db: Queryable, lease: Lease, onFenced: () => void): CursorStore {
  return {
    async load(stream) {
      const { rows } = await db.query<{ position: unknown }>({ text: 'select position from intake_cursors where name = $1', values: [stream] });
      return rows[0]?.position ?? null;
    },
    async save(stream, position) {
      const { rows } = await db.query({
        text: `with lease as (
                 select 1 from intake_leases where stream = $1 and holder = $3 and epoch = $4 for share
               )
               insert into intake_cursors (name, position, updated_at)
               select $1, $2::jsonb, now() from lease
               on conflict (name) do update set position = excluded.position, updated_at = excluded.updated_at
               returning 1`,
        values: [stream, JSON.stringify(position), lease.holder, lease.epoch],
      });
      if (rows.length === 0) {
        onFenced();
        throw new CursorFencedError(stream);
      }
    },
  };
}
