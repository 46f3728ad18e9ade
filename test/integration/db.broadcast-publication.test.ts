import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Pool } from 'pg';
import { migrate } from '../../src/db/migrate';
import { TEST_DATABASE_URL } from '../support/test-db';
import { waitFor } from '../support/wait-for';

// A publication and a `realtime` schema belong to a whole database, so these tests get a
// database of their own rather than a schema in the shared one.

const name = `bcast_${randomBytes(5).toString('hex')}`;
const url = new URL(TEST_DATABASE_URL);
url.pathname = `/${name}`;
const databaseUrl = url.toString();

let admin: Pool;
let pool: Pool;
beforeAll(async () => {
  admin = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  await admin.query(`create database "${name}"`);
  pool = new Pool({ connectionString: databaseUrl, max: 1 });
});
afterAll(async () => {
  await pool.end();
  await waitFor(
    async () => (await admin.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name])).rows[0]?.n === 0,
    { what: `the last connection to ${name} to close` },
  );
  await admin.query(`drop database if exists "${name}"`);
  await admin.end();
});

async function organizationChange(schema: string): Promise<void> {
  const { rows } = await pool.query(`insert into "${schema}".organizations (name) values ('Broadcasting') returning id`);
  await pool.query(`update "${schema}".organizations set name = 'Broadcasting, renamed' where id = $1`, [rows[0].id]);
}

describe('migration 0004: Broadcast from Database', () => {
  it('does nothing on plain PostgreSQL, which has no realtime schema, and breaks no write', async () => {
    await migrate({ databaseUrl, schema: 'plain' });
    await pool.query(`select plain.attach_broadcast_triggers('wedsync-changes')`);
    await organizationChange('plain');
    const { rows } = await pool.query(`select name from "plain".organizations`);
    expect(rows).toEqual([{ name: 'Broadcasting, renamed' }]);
    expect((await pool.query(`select 1 from pg_namespace where nspname = 'realtime'`)).rows).toHaveLength(0);
  });

  it('calls realtime.broadcast_changes once the realtime schema of Supabase exists', async () => {
    // A stand-in with the real signature; it records its arguments where realtime.send would insert.
    await pool.query(`
      create schema realtime;
      create table realtime.calls (topic text, event text, operation text, table_name text, table_schema text, new jsonb, old jsonb, level text);
      create function realtime.broadcast_changes(topic_name text, event_name text, operation text, table_name text, table_schema text, new record, old record, level text default 'ROW')
      returns void language plpgsql as $$ begin insert into realtime.calls values (topic_name, event_name, operation, table_name, table_schema, to_jsonb(new), to_jsonb(old), level); end $$;
    `);
    await organizationChange('plain'); // triggers attached earlier start broadcasting: no new migration
    const { rows } = await pool.query(`select topic, event, operation, table_name, table_schema, new, old from realtime.calls order by operation`);
    expect(rows).toEqual([
      { topic: 'wedsync-changes', event: 'INSERT', operation: 'INSERT', table_name: 'organizations', table_schema: 'plain', new: expect.objectContaining({ name: 'Broadcasting' }), old: null },
      { topic: 'wedsync-changes', event: 'UPDATE', operation: 'UPDATE', table_name: 'organizations', table_schema: 'plain', new: expect.objectContaining({ name: 'Broadcasting, renamed' }), old: expect.objectContaining({ name: 'Broadcasting' }) },
    ]);
    await pool.query(`select plain.detach_broadcast_triggers()`);
    await organizationChange('plain');
    expect((await pool.query(`select count(*)::int as n from realtime.calls`)).rows[0].n).toBe(2);
  });
});

describe('migration 0003 and the supabase_realtime publication', () => {
  it('adds the outbox when the publication exists, so Realtime can stream it', async () => {
    await pool.query('create publication supabase_realtime');
    await migrate({ databaseUrl, schema: 'hosted' });
    const { rows } = await pool.query<{ tablename: string }>(
      `select tablename from pg_publication_tables where pubname = 'supabase_realtime' and schemaname = 'hosted'`,
    );
    expect(rows.map((r) => r.tablename)).toContain('change_outbox');
    expect(rows.map((r) => r.tablename)).not.toContain('intake_cursors');
  });
});
