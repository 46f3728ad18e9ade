import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ContextResult } from '../../../src/context/event-context';
import { createPgContextRepository } from '../../../src/context/pg-context-repository';
import type { QueryConfigLike, Queryable } from '../../../src/lib/queryable';
import { seedDemo } from '../../../src/db/seed';
import { DEMO_ORG_A, DEMO_ORG_B } from '../../support/demo-ids';
import { deferred, waitFor } from '../../support/wait-for';
import { createTestSchema, type TestSchema } from '../../support/test-db';

let db: TestSchema;
beforeAll(async () => {
  db = await createTestSchema('ctxcache');
  await seedDemo(db.pool);
});
afterAll(() => db.drop());

/** The pool, counting the queries that reach it; `holdNext` keeps the next one waiting. */
function countingPool() {
  const spy = {
    queries: 0,
    names: [] as (string | undefined)[],
    failNext: false,
    holdNext: null as Promise<void> | null,
    async query(config: QueryConfigLike) {
      spy.queries += 1;
      spy.names.push(config.name);
      if (spy.failNext) {
        spy.failNext = false;
        throw new Error('connection reset');
      }
      const hold = spy.holdNext;
      spy.holdNext = null;
      if (hold) await hold;
      return db.pool.query(config);
    },
  };
  return spy satisfies Queryable;
}

function setup(cache: { maxEntries?: number; ttlMs?: number; now?: () => number } = {}, preparedStatements?: boolean) {
  const pool = countingPool();
  const repository = createPgContextRepository({ pool, cache: { maxEntries: 100, ttlMs: 60_000, ...cache }, preparedStatements });
  return { pool, repository };
}

const A_TODAY = { organizationId: DEMO_ORG_A.id, weddingId: DEMO_ORG_A.weddings.today };
const B_TODAY = { organizationId: DEMO_ORG_B.id, weddingId: DEMO_ORG_B.weddings.today };

const phoneOf = (result: ContextResult, id: string) => (result.ok ? result.context.people.find((p) => p.id === id)?.phone : undefined);

describe('the context cache', () => {
  it('reads a context with one query, and a second resolve reads none', async () => {
    const { pool, repository } = setup();
    const first = await repository.resolve(A_TODAY);
    expect(pool.queries).toBe(1);
    expect(await repository.resolve(A_TODAY)).toBe(first);
    expect(pool.queries).toBe(1);
  });

  it("serves the next resolve a vendor's new phone once the organization is invalidated, and not before", async () => {
    const { pool, repository } = setup();
    const vendor = DEMO_ORG_A.vendors.photographer;
    const original = phoneOf(await repository.resolve(A_TODAY), vendor);
    await db.pool.query(`update vendors set phone = '+15555550999' where id = $1`, [vendor]);
    try {
      expect(phoneOf(await repository.resolve(A_TODAY), vendor)).toBe(original);
      repository.invalidate(DEMO_ORG_A.id);
      expect(phoneOf(await repository.resolve(A_TODAY), vendor)).toBe('+15555550999');
      expect(pool.queries).toBe(2);
    } finally {
      await db.pool.query(`update vendors set phone = $2 where id = $1`, [vendor, original]);
    }
  });

  it("drops every entry of the invalidated organization and none of another's", async () => {
    const { pool, repository } = setup();
    await repository.resolve(A_TODAY);
    await repository.resolve({ organizationId: DEMO_ORG_A.id, weddingId: null });
    await repository.resolve(B_TODAY);
    repository.invalidate(DEMO_ORG_B.id.toUpperCase());
    await repository.resolve(A_TODAY);
    await repository.resolve({ organizationId: DEMO_ORG_A.id, weddingId: null });
    expect(pool.queries).toBe(3);
    await repository.resolve(B_TODAY);
    expect(pool.queries).toBe(4);

    repository.invalidate(DEMO_ORG_A.id);
    await repository.resolve(A_TODAY);
    await repository.resolve({ organizationId: DEMO_ORG_A.id, weddingId: null });
    await repository.resolve(B_TODAY);
    expect(pool.queries).toBe(6);

    repository.invalidate(null);
    await repository.resolve(A_TODAY);
    await repository.resolve(B_TODAY);
    expect(pool.queries).toBe(8);
  });

  it('forgets an entry after its TTL', async () => {
    // lru-cache reads a start time of 0 as "no TTL", so the clock starts later.
    let now = 1_000;
    const { pool, repository } = setup({ ttlMs: 5_000, now: () => now });
    await repository.resolve(A_TODAY);
    now += 5_000;
    await repository.resolve(A_TODAY);
    expect(pool.queries).toBe(1);
    now += 1;
    await repository.resolve(A_TODAY);
    expect(pool.queries).toBe(2);
  });

  it('holds at most maxEntries contexts, dropping the least recently used', async () => {
    const { pool, repository } = setup({ maxEntries: 2 });
    await repository.resolve(A_TODAY);
    await repository.resolve(B_TODAY);
    await repository.resolve(A_TODAY);
    await repository.resolve({ organizationId: DEMO_ORG_A.id, weddingId: null });
    expect(pool.queries).toBe(3);
    await repository.resolve(A_TODAY);
    expect(pool.queries).toBe(3);
    await repository.resolve(B_TODAY);
    expect(pool.queries).toBe(4);
  });

  it('does not cache misses or failures', async () => {
    const { pool, repository } = setup();
    const missing = { organizationId: DEMO_ORG_A.id, weddingId: DEMO_ORG_B.weddings.today };
    expect(await repository.resolve(missing)).toMatchObject({ ok: false });
    expect(await repository.resolve(missing)).toMatchObject({ ok: false });
    pool.failNext = true;
    await expect(repository.resolve(A_TODAY)).rejects.toThrow('connection reset');
    expect(await repository.resolve(A_TODAY)).toMatchObject({ ok: true });
    expect(pool.queries).toBe(4);
  });
});

describe('single flight', () => {
  it('gives concurrent resolves of one context one query', async () => {
    const { pool, repository } = setup();
    const [first, second] = await Promise.all([repository.resolve(A_TODAY), repository.resolve(A_TODAY)]);
    expect(second).toBe(first);
    expect(first.ok).toBe(true);
    expect(pool.queries).toBe(1);
  });

  it('does not share or cache a load that an invalidation overtook', async () => {
    const { pool, repository } = setup();
    const release = deferred();
    pool.holdNext = release.promise;
    const overtaken = repository.resolve(A_TODAY);
    // Overtaken means its statement was already sent: a read still waiting for its batch goes
    // out after the invalidation (next test).
    await waitFor(() => pool.queries === 1, { what: 'the first read to reach the pool' });
    repository.invalidate(DEMO_ORG_A.id);
    const fresh = await repository.resolve(A_TODAY);
    expect(pool.queries).toBe(2);
    // The overtaken load finishes last: had it been cached, it would replace the fresh context.
    release.resolve();
    expect(await overtaken).not.toBe(fresh);
    expect(await repository.resolve(A_TODAY)).toBe(fresh);
    expect(pool.queries).toBe(2);
  });

  it('an invalidation before the batch is sent: one statement, read after it, and cached', async () => {
    const { pool, repository } = setup();
    const waiting = repository.resolve(A_TODAY);
    repository.invalidate(DEMO_ORG_A.id);
    const fresh = repository.resolve(A_TODAY);
    const [a, b] = await Promise.all([waiting, fresh]);
    expect(pool.queries).toBe(1);
    expect(b).toEqual(a);
    expect(await repository.resolve(A_TODAY)).toBe(b);
    expect(pool.queries).toBe(1);
  });
});

describe('prepared statements', () => {
  it('are named by default, and can be turned off for a transaction-mode pooler', async () => {
    const prepared = setup();
    const unprepared = setup({}, false);
    const [a, b] = [await prepared.repository.resolve(A_TODAY), await unprepared.repository.resolve(A_TODAY)];
    expect(b).toEqual(a);
    expect(prepared.pool.names).toEqual(['wedsync_event_contexts']);
    expect(unprepared.pool.names).toEqual([undefined]);
  });
});

describe('close', () => {
  it('refuses new resolves and leaves the pool to its owner', async () => {
    const { repository } = setup();
    await repository.close();
    await repository.close();
    await expect(repository.resolve(A_TODAY)).rejects.toThrow('closed');
    const { rows } = await db.pool.query<{ one: number }>('select 1 as one');
    expect(rows[0]?.one).toBe(1);
  });
});
