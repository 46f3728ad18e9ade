import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PoolClient } from 'pg';
import type { ContextReference, ContextResult } from '../../../src/context/event-context';
import { createPgContextRepository } from '../../../src/context/pg-context-repository';
import type { QueryConfigLike, Queryable } from '../../../src/lib/queryable';
import { seedDemo } from '../../../src/db/seed';
import { DEMO_ORG_A, DEMO_ORG_B, type DemoOrganizationIds } from '../../support/demo-ids';
import { assignVendor, insertClient, insertPreferences } from '../../support/fixtures';
import { createTestSchema, type TestSchema } from '../../support/test-db';

// Cache misses asked for together are read by one statement (src/context/context-batcher.ts).
// Mixing organizations in one statement must not mix their rows, and one reference that has no
// context must not fail the others.

let db: TestSchema;
let client: PoolClient;
beforeAll(async () => {
  db = await createTestSchema('ctxbatch');
  await seedDemo(db.pool);
  // As in tenant-isolation.test.ts: rows pointing across organizations, which the schema's
  // foreign keys refuse, written with them off; rolled back at the end.
  client = await db.pool.connect();
  await client.query('begin');
  await client.query('set local session_replication_role = replica');
  const [a, b] = [DEMO_ORG_A, DEMO_ORG_B];
  await assignVendor(client, { organizationId: a.id, weddingId: a.weddings.today, vendorId: b.vendors.florist, role: 'dj' });
  await assignVendor(client, { organizationId: b.id, weddingId: a.weddings.today, vendorId: b.vendors.photographer, role: 'dj' });
  await assignVendor(client, { organizationId: b.id, weddingId: b.weddings.today, vendorId: a.vendors.florist, role: 'dj' });
  await insertClient(client, { organizationId: b.id, weddingId: a.weddings.today, name: 'Intruder' });
  await insertClient(client, { organizationId: a.id, weddingId: b.weddings.today, name: 'Intruder' });
  await insertPreferences(client, { organizationId: b.id, personKind: 'vendor', personId: a.vendors.florist, hourlyCap: 999 });
});
afterAll(async () => {
  await client.query('rollback');
  client.release();
  await db.drop();
});

/** The client, counting the statements that reach it. */
function counting(target: Queryable) {
  const spy = {
    statements: 0,
    query<R extends object>(config: QueryConfigLike) {
      spy.statements += 1;
      return target.query<R>(config);
    },
  };
  return spy satisfies Queryable;
}

function setup(maxSize = 64) {
  const db = counting(client);
  const repository = createPgContextRepository({ pool: db, cache: { maxEntries: 100, ttlMs: 60_000 }, batch: { maxSize, maxInFlight: 1 } });
  return { db, repository };
}

const idsOf = (org: DemoOrganizationIds) => [...JSON.stringify(org).matchAll(/[0-9a-f]{8}-[0-9a-f-]{27}/g)].map((m) => m[0]);

function expectOnly(result: ContextResult | undefined, own: DemoOrganizationIds, other: DemoOrganizationIds): void {
  if (!result?.ok) throw new Error(result ? result.detail : 'no result');
  const text = JSON.stringify(result.context);
  expect(idsOf(other).filter((id) => text.includes(id))).toEqual([]);
  expect(text).not.toContain('Intruder');
  const owners = new Set([result.context.organization.id, result.context.wedding, ...result.context.people, ...result.context.webhookEndpoints].map((r) => (typeof r === 'string' ? r : r?.organizationId)));
  expect([...owners]).toEqual([own.id]);
}

const ref = (org: DemoOrganizationIds, wedding: keyof DemoOrganizationIds['weddings'] | null): ContextReference => ({
  organizationId: org.id,
  weddingId: wedding === null ? null : org.weddings[wedding],
});

describe('context reads batched across organizations', () => {
  it('N concurrent resolves of uncached weddings of two organizations: one statement, no rows mixed', async () => {
    const { db, repository } = setup();
    const references = [
      ref(DEMO_ORG_A, 'today'),
      ref(DEMO_ORG_B, 'today'),
      ref(DEMO_ORG_A, 'inFiveDays'),
      ref(DEMO_ORG_B, 'inFiveDays'),
      ref(DEMO_ORG_B, 'inFortyDays'),
      ref(DEMO_ORG_A, 'inFortyDays'),
      ref(DEMO_ORG_A, null),
      ref(DEMO_ORG_B, null),
    ];
    const results = await Promise.all(references.map((r) => repository.resolve(r)));
    expect(db.statements).toBeLessThan(references.length);
    expect(db.statements).toBe(1);
    results.forEach((result, i) => {
      const own = references[i]!.organizationId === DEMO_ORG_A.id ? DEMO_ORG_A : DEMO_ORG_B;
      expectOnly(result, own, own === DEMO_ORG_A ? DEMO_ORG_B : DEMO_ORG_A);
      if (result.ok) expect(result.context.wedding?.id ?? null).toBe(references[i]!.weddingId);
    });
    // The same contexts, read one at a time, are what the batch gave each reference.
    const single = setup();
    for (const [i, r] of references.entries()) expect(await single.repository.resolve(r)).toEqual(results[i]);
    expect(single.db.statements).toBe(references.length);
  });

  it('one missing, foreign or malformed reference fails only itself', async () => {
    const { db, repository } = setup();
    const missingWedding = '00000000-0000-4000-8000-00000000dead';
    const references: ContextReference[] = [
      ref(DEMO_ORG_A, 'today'),
      { organizationId: DEMO_ORG_A.id, weddingId: missingWedding },
      { organizationId: DEMO_ORG_A.id, weddingId: DEMO_ORG_B.weddings.today },
      { organizationId: '00000000-0000-4000-8000-00000000beef', weddingId: null },
      { organizationId: DEMO_ORG_A.id, weddingId: 'not-a-uuid' },
      ref(DEMO_ORG_B, 'today'),
    ];
    const results = await Promise.all(references.map((r) => repository.resolve(r)));
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      'ok',
      'wedding_not_found',
      'wedding_in_other_organization',
      'organization_not_found',
      'wedding_not_found',
      'ok',
    ]);
    expect(db.statements).toBe(1);
    expectOnly(results[0], DEMO_ORG_A, DEMO_ORG_B);
    expectOnly(results[5], DEMO_ORG_B, DEMO_ORG_A);
  });

  it('splits what is asked for together into statements of at most maxSize, and caches each', async () => {
    const { db, repository } = setup(2);
    const references = [ref(DEMO_ORG_A, 'today'), ref(DEMO_ORG_A, 'inFiveDays'), ref(DEMO_ORG_B, 'today'), ref(DEMO_ORG_B, 'inFiveDays'), ref(DEMO_ORG_B, null)];
    const results = await Promise.all(references.map((r) => repository.resolve(r)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(db.statements).toBe(3);
    const again = await Promise.all(references.map((r) => repository.resolve(r)));
    again.forEach((r, i) => expect(r).toBe(results[i]));
    expect(db.statements).toBe(3);
  });

  it('a failed statement fails its references, and the next resolve reads again', async () => {
    let fail = true;
    const flaky: Queryable = {
      query: (config) => {
        if (fail) {
          fail = false;
          return Promise.reject(new Error('canceling statement due to statement timeout'));
        }
        return client.query(config);
      },
    };
    const repository = createPgContextRepository({ pool: flaky, cache: { maxEntries: 10, ttlMs: 60_000 } });
    const first = await Promise.allSettled([repository.resolve(ref(DEMO_ORG_A, 'today')), repository.resolve(ref(DEMO_ORG_B, 'today'))]);
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await repository.resolve(ref(DEMO_ORG_A, 'today'))).toMatchObject({ ok: true });
  });
});
