import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Pool } from 'pg';
import { migrate } from '../../src/db/migrate';
import { TEST_DATABASE_URL } from '../support/test-db';
import { waitFor } from '../support/wait-for';

// A publication belongs to a whole database, so these tests get a database of their own rather
// than a schema in the shared one, where other test files migrate at the same time.

const name = `pub_${randomBytes(5).toString('hex')}`;
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
  // node-pg-migrate returns before its connection has finished closing; dropping WITH (FORCE)
  // would kill that connection mid-close and surface as an unhandled error.
  await waitFor(
    async () => (await admin.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name])).rows[0]?.n === 0,
    { what: `the last connection to ${name} to close` },
  );
  await admin.query(`drop database if exists "${name}"`);
  await admin.end();
});

async function published(schema: string): Promise<string[]> {
  const { rows } = await pool.query<{ tablename: string }>(
    `select tablename from pg_publication_tables where pubname = 'supabase_realtime' and schemaname = $1 order by tablename`,
    [schema],
  );
  return rows.map((r) => r.tablename);
}

describe('the supabase_realtime publication', () => {
  it('is left alone when it does not exist', async () => {
    await migrate({ databaseUrl, schema: 'plain' });
    const { rows } = await pool.query(`select 1 from pg_publication where pubname = 'supabase_realtime'`);
    expect(rows).toHaveLength(0);
  });

  it('gets every tenant table when it exists, and the notifications table stays out', async () => {
    await pool.query('create publication supabase_realtime');
    await migrate({ databaseUrl, schema: 'hosted' });
    const tables = await published('hosted');
    // The 13 tenant tables and the change outbox the worker can subscribe to.
    expect(tables).toHaveLength(14);
    expect(tables).toEqual(expect.arrayContaining(['weddings', 'payments', 'wedding_vendors', 'webhook_endpoints', 'change_outbox']));
    for (const privateTable of ['notifications', 'pgmigrations', 'deliveries', 'dead_events', 'destination_health']) {
      expect(tables).not.toContain(privateTable);
    }
  });

  it('is not altered when it is FOR ALL TABLES, which refuses ADD TABLE', async () => {
    await pool.query('drop publication supabase_realtime');
    await pool.query('create publication supabase_realtime for all tables');
    await expect(migrate({ databaseUrl, schema: 'all_tables' })).resolves.toContain('0002_tenant_schema');
    // Everything, as the publication says.
    const { rows } = await pool.query(`select count(*)::int as n from information_schema.tables where table_schema = 'all_tables' and table_type = 'BASE TABLE'`);
    expect(await published('all_tables')).toHaveLength((rows[0] as { n: number }).n);
  });
});
