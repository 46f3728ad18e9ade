import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PoolClient } from 'pg';
import type { ContextResult } from '../../../src/context/event-context';
import { createPgContextRepository } from '../../../src/context/pg-context-repository';
import { seedDemo } from '../../../src/db/seed';
import { DEMO_ORG_A, DEMO_ORG_B } from '../../support/demo-ids';
import { assignVendor, insertClient, insertPreferences } from '../../support/fixtures';
import { createTestSchema, type TestSchema } from '../../support/test-db';

// Two organizations with the same vendor and couple names: a context of A must hold nothing of B,
// even when tenant rows point across organizations. The schema's composite foreign keys refuse
// such rows, so the tests write them with foreign keys switched off (session_replication_role,
// which needs the superuser the test database runs as): the queries must hold on their own.

let db: TestSchema;
let client: PoolClient;
beforeAll(async () => {
  db = await createTestSchema('iso');
  await seedDemo(db.pool);
  client = await db.pool.connect();
  await client.query('begin');
  await client.query('set local session_replication_role = replica');
});
afterAll(async () => {
  await client.query('rollback');
  client.release();
  await db.drop();
});

const B_IDS = [...JSON.stringify(DEMO_ORG_B).matchAll(/[0-9a-f]{8}-[0-9a-f-]{27}/g)].map((m) => m[0]);
const resolveA = () =>
  createPgContextRepository({ pool: client, cache: { maxEntries: 10, ttlMs: 60_000 } }).resolve({
    organizationId: DEMO_ORG_A.id,
    weddingId: DEMO_ORG_A.weddings.today,
  });

function expectNothingOfB(result: ContextResult): void {
  if (!result.ok) throw new Error(result.detail);
  const text = JSON.stringify(result.context);
  expect(B_IDS.filter((id) => text.includes(id))).toEqual([]);
  // B's contact details live at example.org and on +161755502xx; its Slack and Teams end in /b.
  expect(text).not.toMatch(/example\.org|\+161755502|\/b"/);
  const owners = new Set([result.context.wedding, ...result.context.people, ...result.context.webhookEndpoints].map((r) => r?.organizationId));
  expect([...owners]).toEqual([DEMO_ORG_A.id]);
}

describe('tenant isolation', () => {
  it('a context of A holds nothing of B, whose data looks the same', async () => {
    const result = await resolveA();
    expectNothingOfB(result);
    expect(result.ok && result.context.people.map((p) => p.name)).toContain('Petal & Stem');
  });

  it('holds when rows of A point at B and rows of B point at A', async () => {
    const a = DEMO_ORG_A;
    const b = DEMO_ORG_B;
    // A's wedding with B's vendors, under either organization's id.
    await assignVendor(client, { organizationId: a.id, weddingId: a.weddings.today, vendorId: b.vendors.florist, role: 'dj' });
    await assignVendor(client, { organizationId: b.id, weddingId: a.weddings.today, vendorId: b.vendors.photographer, role: 'dj' });
    await assignVendor(client, { organizationId: b.id, weddingId: a.weddings.today, vendorId: a.vendors.florist, role: 'dj' });
    // A client filed under B on A's wedding.
    await insertClient(client, { organizationId: b.id, weddingId: a.weddings.today, name: 'Intruder' });
    // A preferences row filed under B for a person of A: must not apply.
    await insertPreferences(client, { organizationId: b.id, personKind: 'vendor', personId: a.vendors.florist, hourlyCap: 999 });
    const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from wedding_vendors where role = 'dj'`);
    expect(rows[0]?.n).toBe(3);

    const result = await resolveA();
    expectNothingOfB(result);
    if (!result.ok) return;
    const florist = result.context.people.find((p) => p.id === a.vendors.florist);
    expect(florist?.roles).toEqual(['florist']);
    expect(florist?.preferences.hourlyCap).toBeNull();
    expect(result.context.people.map((p) => p.name)).not.toContain('Intruder');
    expect(result.context.people).toHaveLength(8);
  });
});
