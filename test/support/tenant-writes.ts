import type { Pool } from 'pg';
import { epochMicrosSql, expectedOutboxEventId } from './expected-ids';

/** Rows the catch-up tests change: an organization and its weddings, written for real. */
export async function newOrganization(pool: Pool, name = 'Catch-up Weddings Ltd'): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(`insert into organizations (name) values ($1) returning id`, [name]);
  return rows[0]!.id;
}

export async function newWedding(pool: Pool, organizationId: string, couple: string): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `insert into weddings (organization_id, couple_name, wedding_date, time_zone) values ($1, $2, date '2027-06-12', 'Europe/London') returning id`,
    [organizationId, couple],
  );
  return rows[0]!.id;
}

export async function renameWedding(pool: Pool, id: string, couple: string): Promise<void> {
  await pool.query(`update weddings set couple_name = $2 where id = $1`, [id, couple]);
}

/**
 * `total` changes on weddings from `writers` connections at once (so outbox ids commit out of
 * order): each writer inserts a wedding, then renames it twice, and so on. `beforeChange(n)` is
 * awaited before the n-th change (from 1), e.g. to drop sockets part-way or hold writers back.
 */
export async function weddingBurst(
  pool: Pool,
  organizationId: string,
  total: number,
  writers: number,
  beforeChange: (n: number) => void | Promise<void> = () => undefined,
): Promise<void> {
  let made = 0;
  const writer = async (w: number) => {
    let id: string | null = null;
    for (let i = 0; made < total; i++) {
      made += 1;
      await beforeChange(made);
      if (id === null || i % 3 === 0) id = await newWedding(pool, organizationId, `Couple ${w}-${i}`);
      else await renameWedding(pool, id, `Couple ${w}-${i} renamed`);
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
}

/** The event ids outbox mode must hand on for the outbox rows of `table` above `afterId`. */
export async function expectedOutboxIds(pool: Pool, schema: string, table: string, afterId: number): Promise<string[]> {
  const { rows } = await pool.query<{ id: string; micros: string }>(
    `select id::text as id, ${epochMicrosSql('changed_at')} as micros from change_outbox where source_table = $1 and id > $2 order by id`,
    [table, afterId],
  );
  return rows.map((r) => expectedOutboxEventId(schema, r.id, r.micros));
}

export async function outboxMaxId(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ max: string }>(`select coalesce(max(id), 0)::text as max from change_outbox`);
  return Number(rows[0]!.max);
}
