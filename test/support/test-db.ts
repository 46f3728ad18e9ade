import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { migrate } from '../../src/db/migrate';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestSchema {
  readonly schema: string;
  /** A connection string whose sessions use this schema first (`search_path`). */
  readonly databaseUrl: string;
  readonly pool: Pool;
  drop(): Promise<void>;
}

/** A fresh schema in the real test database with every migration applied; one per test file. */
export async function createTestSchema(prefix = 't'): Promise<TestSchema> {
  const schema = `${prefix}_${randomBytes(5).toString('hex')}`;
  await migrate({ databaseUrl: TEST_DATABASE_URL, schema });
  const databaseUrl = withSearchPath(TEST_DATABASE_URL, schema);
  const pool = new Pool({ connectionString: databaseUrl, max: 4 });
  // Both, or graphile-worker warns that the pool lacks error handlers.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return {
    schema,
    databaseUrl,
    pool,
    async drop() {
      await pool.end();
      const admin = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
      await admin.query(`drop schema if exists "${schema}" cascade`);
      await admin.end();
    },
  };
}

export function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema},public`);
  return parsed.toString();
}
