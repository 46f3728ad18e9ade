import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runner } from 'node-pg-migrate';

/** db/migrations at the package root, found from here whether running from src/ or dist/src/. */
export const MIGRATIONS_DIR = findUp(__dirname, join('db', 'migrations'));

function findUp(from: string, relative: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, relative, '0001_notifications.sql'))) return join(dir, relative);
    if (dirname(dir) === dir) throw new Error(`cannot find ${relative} above ${from}`);
  }
}

export interface MigrateOptions {
  readonly databaseUrl: string;
  /** Target schema; created if missing. Supabase keeps application tables in `public`. */
  readonly schema?: string;
  readonly log?: (message: string) => void;
}

/**
 * Applies the SQL migrations in db/migrations that the database has not seen, in file order.
 * node-pg-migrate records them in `pgmigrations` inside the target schema and takes an advisory
 * lock, so running it twice, or from two replicas at once, is safe.
 */
export async function migrate({ databaseUrl, schema = 'public', log = () => undefined }: MigrateOptions): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    schema,
    createSchema: true,
    checkOrder: true,
    // Replicas starting together, or test files migrating their schemas at once, queue on the
    // lock instead of failing ("Another migration is already running").
    advisoryLockMode: 'wait',
    log,
    verbose: false,
  });
  return applied.map((m) => m.name);
}
