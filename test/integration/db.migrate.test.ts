import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { migrate } from '../../src/db/migrate';
import { createTestSchema, TEST_DATABASE_URL, type TestSchema } from '../support/test-db';

let db: TestSchema;
beforeAll(async () => {
  db = await createTestSchema('mig');
});
afterAll(() => db.drop());

describe('migrations', () => {
  it('apply to a fresh schema and are a no-op the second time', async () => {
    const tables = await db.pool.query<{ table_name: string }>(
      'select table_name from information_schema.tables where table_schema = $1',
      [db.schema],
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['notifications', 'pgmigrations']));
    expect(await migrate({ databaseUrl: TEST_DATABASE_URL, schema: db.schema })).toEqual([]);
  });

  it('give sessions of the test URL the test schema first', async () => {
    const { rows } = await db.pool.query<{ search_path: string }>('show search_path');
    expect(rows[0]?.search_path).toContain(db.schema);
  });
});
