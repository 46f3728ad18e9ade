import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Pool } from 'pg';
import { readConnectionBudget, warnOnConnectionBudget } from '../../src/lib/connection-budget';
import { memoryLogger } from '../support/memory-log';
import { createTestSchema, type TestSchema } from '../support/test-db';

let db: TestSchema;
beforeAll(async () => {
  db = await createTestSchema('connbudget');
});
afterAll(async () => {
  await db.drop();
});

/** A setting as a number; 0 where this server has no such setting (reserved_connections before 16). */
const setting = async (name: string) => Number((await db.pool.query<{ v: string | null }>(`select current_setting($1, true) as v`, [name])).rows[0]!.v || 0);

describe('the connection budget read at start', () => {
  it("reads the server's limit less the superusers' reserve, and leaves out what this replica holds", async () => {
    const allowed = (await setting('max_connections')) - (await setting('superuser_reserved_connections')) - (await setting('reserved_connections'));
    const counted = await readConnectionBudget(db.pool, 27, () => 0);
    expect(counted).toMatchObject({ allowed, replicaMax: 27 });
    // At least the connection that asked.
    expect(counted.inUseByOthers).toBeGreaterThanOrEqual(1);
    // Every connection counted is this replica's: none is left to blame on others.
    expect((await readConnectionBudget(db.pool, 27, () => 1_000_000)).inUseByOthers).toBe(0);
  });

  it('warns, with the numbers and the fix, when this replica could take the server past its limit', async () => {
    const { logger, lines } = memoryLogger();
    const { allowed } = await readConnectionBudget(db.pool, 1, () => 0);
    await warnOnConnectionBudget(db.pool, allowed + 1, () => db.pool.totalCount, logger);
    const warning = lines.find((l) => l.level === 'warn');
    expect(warning).toMatchObject({ allowed, replicaMax: allowed + 1, inUseByOthers: expect.any(Number), fix: expect.stringMatching(/urgentConcurrency/) });
    expect(warning!.msg).toMatch(/run out of connections/);
  });

  it('says, at info, that the replica fits when it does', async () => {
    const { logger, lines } = memoryLogger();
    await warnOnConnectionBudget(db.pool, 1, () => db.pool.totalCount, logger);
    expect(lines).toEqual([expect.objectContaining({ level: 'info', msg: expect.stringMatching(/fits/), replicaMax: 1 })]);
  });

  it('does not fail the start when the server cannot be asked', async () => {
    const { logger, lines } = memoryLogger();
    const unreachable = new Pool({ connectionString: 'postgres://postgres@127.0.0.1:9/none', connectionTimeoutMillis: 2_000 });
    unreachable.on('error', () => undefined);
    try {
      await expect(warnOnConnectionBudget(unreachable, 1_000, () => 0, logger)).resolves.toBeUndefined();
    } finally {
      await unreachable.end();
    }
    expect(lines).toEqual([expect.objectContaining({ level: 'debug', msg: 'connection budget not read' })]);
  });
});
