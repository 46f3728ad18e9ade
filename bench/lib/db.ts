import { randomBytes } from 'node:crypto';
import { runMigrations } from 'graphile-worker';
import { Client, Pool } from 'pg';
import { migrate } from '../../src/db/migrate';
import { TEST_DATABASE_URL, withSearchPath, type TestSchema } from '../../test/support/test-db';

/**
 * One migrated schema of this run, in a database of the run's own on the test server (see
 * privateDatabaseSchema), plus the graphile-worker schemas the figures use next to it; all dropped
 * at the end, even after a failure or Ctrl-C.
 *
 * graphile-worker announces a migration of ANY of its schemas with a database-wide
 * NOTIFY "worker:migrate"; a worker that hears a "breaking" one shuts its runner down, whatever
 * schema it serves. So every queue schema of the run is migrated here, up front, in one burst
 * (never in the middle of a figure, where it would stop this run's own workers, or another
 * engineer's tests running in the same database), and the run listens on that channel: a
 * migration from elsewhere during a figure is reported with the figure.
 */
export class BenchDatabase {
  private readonly queues: string[];
  private readonly heard: { atMs: number; payload: string }[] = [];
  private listener: Client | undefined;

  private constructor(
    private readonly test: TestSchema,
    names: readonly string[],
    /** How long graphile-worker took to migrate one fresh schema (what a first deploy adds). */
    readonly queueMigrationMs: number,
  ) {
    this.queues = names.map((name) => `${test.schema}_${name}`);
  }

  static async create(queueNames: readonly string[]): Promise<BenchDatabase> {
    const test = await privateDatabaseSchema();
    test.pool.on('error', () => undefined);
    let firstMs = 0;
    for (const [i, name] of queueNames.entries()) {
      const started = performance.now();
      await runMigrations({ pgPool: test.pool, schema: `${test.schema}_${name}` });
      if (i === 0) firstMs = performance.now() - started;
    }
    const db = new BenchDatabase(test, queueNames, firstMs);
    await db.listen();
    return db;
  }

  private async listen(): Promise<void> {
    this.listener = new Client({ connectionString: this.test.databaseUrl });
    this.listener.on('error', () => undefined);
    await this.listener.connect();
    this.listener.on('notification', (n) => this.heard.push({ atMs: performance.now(), payload: n.payload ?? '' }));
    await this.listener.query('LISTEN "worker:migrate"');
  }

  get schema(): string {
    return this.test.schema;
  }

  /** search_path = this schema, so the worker's unqualified tables are ours. */
  get databaseUrl(): string {
    return this.test.databaseUrl;
  }

  get pool(): TestSchema['pool'] {
    return this.test.pool;
  }

  /** A graphile-worker schema of this run, migrated at creation. */
  queueSchema(name: string): string {
    const schema = `${this.test.schema}_${name}`;
    if (!this.queues.includes(schema)) throw new Error(`queue schema ${name} was not migrated up front`);
    return schema;
  }

  /** graphile-worker migrations announced by someone else since `sinceMs` (performance.now()). */
  migrationsHeardSince(sinceMs: number): { atMs: number; payload: string }[] {
    return this.heard.filter((h) => h.atMs >= sinceMs);
  }

  async drop(): Promise<void> {
    await this.listener?.end().catch(() => undefined);
    for (const queue of this.queues) await this.test.pool.query(`drop schema if exists "${queue}" cascade`);
    await this.test.drop();
  }
}

/**
 * A database of this run's own (on the test server), with one migrated schema. graphile-worker's
 * "worker:migrate" NOTIFY is database-wide: in the shared `test` database every other test file
 * that creates a queue schema announces a breaking migration, and every runner listening there —
 * the bench's workers included — shuts down and restarts (seen hundreds of times a figure while
 * other work ran). NOTIFY does not cross databases, so here nobody else's migrations are heard.
 */
async function privateDatabaseSchema(): Promise<TestSchema> {
  const database = `wedsync_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`create database "${database}"`);
  await admin.end();
  const base = new URL(TEST_DATABASE_URL);
  base.pathname = `/${database}`;
  const schema = 'bench';
  await migrate({ databaseUrl: base.toString(), schema });
  const databaseUrl = withSearchPath(base.toString(), schema);
  const pool = new Pool({ connectionString: databaseUrl, max: 4 });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return {
    schema,
    databaseUrl,
    pool,
    async drop() {
      await pool.end();
      const dropper = new Client({ connectionString: TEST_DATABASE_URL });
      await dropper.connect();
      await dropper.query(`drop database if exists "${database}" with (force)`);
      await dropper.end();
    },
  };
}
