import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { PoolClient } from 'pg';
import type { ContextResult } from '../../../src/context/event-context';
import { createPgContextRepository } from '../../../src/context/pg-context-repository';
import { insertRows } from '../../support/fixtures';
import { createTestSchema, type TestSchema } from '../../support/test-db';

// Generated tenants with rows that point across organizations (which the schema's foreign keys
// would refuse: each run switches them off with session_replication_role and rolls back). Every
// context must hold only rows of the organization asked for, and exactly the rows a model of the
// data says belong to it.

let db: TestSchema;
let client: PoolClient;
beforeAll(async () => {
  db = await createTestSchema('isoprop');
  client = await db.pool.connect();
});
afterAll(async () => {
  client.release();
  await db.drop();
});

const orgShape = fc.record({
  weddings: fc.integer({ min: 1, max: 3 }),
  vendors: fc.integer({ min: 0, max: 3 }),
  staff: fc.integer({ min: 0, max: 2 }),
  endpoints: fc.integer({ min: 0, max: 2 }),
  clientsPerWedding: fc.integer({ min: 0, max: 2 }),
});
// Indexes are taken modulo the number of organizations, weddings or people they pick from.
const link = fc.record({ fileOrg: fc.nat(), weddingOrg: fc.nat(), wedding: fc.nat(), vendorOrg: fc.nat(), vendor: fc.nat(), role: fc.constantFrom('photographer', 'venue', 'dj') });
const strayClient = fc.record({ fileOrg: fc.nat(), weddingOrg: fc.nat(), wedding: fc.nat() });
const preference = fc.record({ fileOrg: fc.nat(), personOrg: fc.nat(), kind: fc.constantFrom('vendor', 'staff', 'client'), person: fc.nat() });
const scenario = fc.record({
  orgs: fc.array(orgShape, { minLength: 2, maxLength: 3 }),
  links: fc.array(link, { maxLength: 10 }),
  strayClients: fc.array(strayClient, { maxLength: 3 }),
  preferences: fc.array(preference, { maxLength: 5 }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

interface Org {
  id: string;
  weddings: string[];
  vendors: string[];
  staff: string[];
  endpoints: string[];
  clients: { id: string; weddingId: string; fileOrg: string }[];
}

/** Rows of a scenario, and the model the contexts are checked against. */
function build(s: Scenario) {
  let n = 0;
  const uuid = () => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`;
  const times = <T,>(count: number, make: () => T) => Array.from({ length: count }, make);
  const orgs: Org[] = s.orgs.map((shape) => {
    const weddings = times(shape.weddings, uuid);
    const id = uuid();
    return {
      id,
      weddings,
      vendors: times(shape.vendors, uuid),
      staff: times(shape.staff, uuid),
      endpoints: times(shape.endpoints, uuid),
      clients: weddings.flatMap((weddingId) => times(shape.clientsPerWedding, () => ({ id: uuid(), weddingId, fileOrg: id }))),
    };
  });
  const org = (i: number) => orgs[i % orgs.length]!;
  const pick = (list: string[], i: number) => list[i % list.length];
  for (const c of s.strayClients) org(c.weddingOrg).clients.push({ id: uuid(), weddingId: pick(org(c.weddingOrg).weddings, c.wedding)!, fileOrg: org(c.fileOrg).id });

  const links = new Map<string, { organizationId: string; weddingId: string; vendorId: string; role: string }>();
  for (const l of s.links) {
    const vendorId = pick(org(l.vendorOrg).vendors, l.vendor);
    const weddingId = pick(org(l.weddingOrg).weddings, l.wedding)!;
    if (vendorId) links.set(`${weddingId}/${vendorId}/${l.role}`, { organizationId: org(l.fileOrg).id, weddingId, vendorId, role: l.role });
  }
  // A preference filed under its person's organization has cap 7; one filed elsewhere has 999.
  const caps = new Map<string, { organizationId: string; personKind: string; personId: string; hourlyCap: number }>();
  for (const p of s.preferences) {
    const owner = org(p.personOrg);
    const people = p.kind === 'vendor' ? owner.vendors : p.kind === 'staff' ? owner.staff : owner.clients.map((c) => c.id);
    const personId = pick(people, p.person);
    const fileOrg = org(p.fileOrg).id;
    if (personId) caps.set(`${p.kind}/${personId}`, { organizationId: fileOrg, personKind: p.kind, personId, hourlyCap: fileOrg === owner.id ? 7 : 999 });
  }
  return { orgs, links: [...links.values()], caps };
}

async function insert(built: ReturnType<typeof build>): Promise<void> {
  const { orgs } = built;
  await insertRows(client, 'organizations', orgs.map((o) => ({ id: o.id, name: 'Look-alike' })));
  await insertRows(client, 'weddings', orgs.flatMap((o) => o.weddings.map((id) => ({ id, organizationId: o.id, coupleName: 'Avery & Jordan', weddingDate: '2030-06-01', timeZone: 'UTC' }))));
  await insertRows(client, 'vendors', orgs.flatMap((o) => o.vendors.map((id) => ({ id, organizationId: o.id, name: 'Lens & Light' }))));
  await insertRows(client, 'organization_staff', orgs.flatMap((o) => o.staff.map((id) => ({ id, organizationId: o.id, name: 'Priya', role: 'planner' }))));
  await insertRows(client, 'webhook_endpoints', orgs.flatMap((o) => o.endpoints.map((id, i) => ({ id, organizationId: o.id, name: `e${i}`, url: 'http://127.0.0.1:9/', secret: 'whsec_AAAA' }))));
  await insertRows(client, 'clients', orgs.flatMap((o) => o.clients.map((c) => ({ id: c.id, organizationId: c.fileOrg, weddingId: c.weddingId, name: 'Avery' }))));
  await insertRows(client, 'wedding_vendors', built.links);
  await insertRows(client, 'notification_preferences', [...built.caps.values()]);
}

function expected(built: ReturnType<typeof build>, o: Org, weddingId: string) {
  const vendorRoles = new Map<string, string[]>();
  for (const l of built.links) {
    if (l.organizationId === o.id && l.weddingId === weddingId && o.vendors.includes(l.vendorId)) {
      vendorRoles.set(l.vendorId, [...(vendorRoles.get(l.vendorId) ?? []), l.role].sort());
    }
  }
  const cap = (kind: string, id: string) => (built.caps.get(`${kind}/${id}`)?.organizationId === o.id ? 7 : null);
  return [
    ...[...vendorRoles].map(([id, roles]) => `vendor ${id} ${roles.join('+')} ${cap('vendor', id)}`),
    ...o.clients.filter((c) => c.fileOrg === o.id && c.weddingId === weddingId).map((c) => `client ${c.id} couple ${cap('client', c.id)}`),
    ...o.staff.map((id) => `staff ${id} planner ${cap('staff', id)}`),
  ].sort();
}

function actual(result: ContextResult, organizationId: string) {
  if (!result.ok) throw new Error(`${result.reason}: ${result.detail}`);
  const { people, webhookEndpoints, wedding } = result.context;
  const owners = new Set([wedding, ...people, ...webhookEndpoints].map((r) => r?.organizationId));
  expect([...owners]).toEqual([organizationId]);
  return people.map((p) => `${p.kind} ${p.id} ${p.roles.join('+')} ${p.preferences.hourlyCap}`).sort();
}

describe('tenant isolation, generated', () => {
  it('a context holds exactly its own organization rows, whatever points across organizations', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const built = build(s);
        await client.query('begin');
        try {
          await client.query('set local session_replication_role = replica');
          await insert(built);
          const repository = createPgContextRepository({ pool: client, cache: { maxEntries: 50, ttlMs: 60_000 } });
          for (const o of built.orgs) {
            for (const weddingId of o.weddings) {
              const result = await repository.resolve({ organizationId: o.id, weddingId });
              expect(actual(result, o.id)).toEqual(expected(built, o, weddingId));
              expect(result.ok && result.context.webhookEndpoints.map((e) => e.id).sort()).toEqual([...o.endpoints].sort());
            }
          }
          const [first, second] = built.orgs;
          const foreign = await repository.resolve({ organizationId: first!.id, weddingId: second!.weddings[0]! });
          expect(foreign).toMatchObject({ ok: false, reason: 'wedding_in_other_organization' });
        } finally {
          await client.query('rollback');
        }
      }),
      { numRuns: 200 },
    );
  });
});
