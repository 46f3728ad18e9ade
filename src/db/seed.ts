import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS_DIR } from './migrate';

/** db/seed/demo.sql: two look-alike demo organizations; ids in test/support/demo-ids.ts. */
export const DEMO_SEED_FILE = join(MIGRATIONS_DIR, '..', 'seed', 'demo.sql');

export interface SqlRunner {
  query(text: string): Promise<unknown>;
}

/**
 * Loads the demo data into the schema first on the connection's search_path. The file is sent
 * as one simple-protocol query, so PostgreSQL runs it as one implicit transaction: all or nothing.
 * Running it again is safe.
 */
export async function seedDemo(db: SqlRunner): Promise<void> {
  await db.query(readFileSync(DEMO_SEED_FILE, 'utf8'));
}
