import type { Queryable } from '../lib/queryable';
import type { Row } from './change-event';
import { quoteName } from './sql-name';
import type { TimePosition } from './time-cursor';

export interface TableReaderSettings {
  readonly schema: string;
  readonly table: string;
  readonly column: string;
  readonly primaryKey: readonly string[];
  readonly overlapMs: number;
  readonly pageSize: number;
}

/** Where the next page starts: the cursor (minus the overlap) first, then after the last row read. */
export type TablePageStart = { readonly from: string | null } | { readonly after: { readonly stamp: string; readonly key: readonly unknown[] } };

export interface TableReader {
  initial(): Promise<TimePosition>;
  /** Rows with their stamp (the column as to_jsonb prints it), in (column, primary key) order. */
  page(start: TablePageStart): Promise<Array<{ readonly row: Row; readonly stamp: string }>>;
}

/** Keyset paging over `column, primary key`, so a page boundary inside one stamp loses nothing. */
export function createTableReader(db: Queryable, s: TableReaderSettings): TableReader {
  const name = `${quoteName(s.schema)}.${quoteName(s.table)}`;
  const column = `t.${quoteName(s.column)}`;
  const keys = s.primaryKey.map((k) => `t.${quoteName(k)}`);
  const select = `select to_jsonb(t.*) as row, to_jsonb(${column}) #>> '{}' as stamp from ${name} t`;
  const order = `order by ${[column, ...keys].join(', ')}`;
  return {
    async initial() {
      const { rows } = await db.query<{ at: string | null }>({ text: `select to_jsonb(max(${column})) #>> '{}' as at from ${name} t` });
      return { at: rows[0]?.at ?? null, recent: [] };
    },
    async page(start) {
      if ('from' in start) {
        const { rows } = await db.query<{ row: Row; stamp: string }>({
          text: `${select} where ${column} > $1::timestamptz - make_interval(secs => $2::float8 / 1000) ${order} limit $3`,
          values: [start.from ?? '-infinity', s.overlapMs, s.pageSize],
        });
        return rows;
      }
      const params = keys.map((_, i) => `$${i + 2}`);
      const { rows } = await db.query<{ row: Row; stamp: string }>({
        text: `${select} where (${[column, ...keys].join(', ')}) > ($1::timestamptz, ${params.join(', ')}) ${order} limit $${keys.length + 2}`,
        values: [start.after.stamp, ...start.after.key.map((v) => (v === null || v === undefined ? null : String(v))), s.pageSize],
      });
      return rows;
    },
  };
}
