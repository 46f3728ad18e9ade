import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { migrate } from '../../src/db/migrate';
import { seedDemo } from '../../src/db/seed';
import { DEMO_ORG_A, DEMO_ORG_B, type DemoOrganizationIds } from '../support/demo-ids';
import { assignVendor, insertPreferences } from '../support/fixtures';
import { createTestSchema, TEST_DATABASE_URL, type TestSchema } from '../support/test-db';

let db: TestSchema;
beforeAll(async () => {
  db = await createTestSchema('schema');
  await seedDemo(db.pool);
});
afterAll(() => db.drop());

const TENANT_TABLES = [
  'organizations', 'organization_staff', 'weddings', 'vendors', 'wedding_vendors', 'clients', 'form_responses',
  'journey_progress', 'payments', 'timeline_events', 'wedding_alerts', 'notification_preferences', 'webhook_endpoints',
];

async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TENANT_TABLES) {
    const { rows } = await db.pool.query<{ n: number }>(`select count(*)::int as n from "${table}"`);
    counts[table] = rows[0]!.n;
  }
  return counts;
}

function todayIn(zone: string, plusDays = 0): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(new Date(Date.now() + plusDays * 86_400_000));
}

describe('tenant schema and demo seed', () => {
  it('apply twice: the second migration is a no-op and the second seed changes nothing', async () => {
    const before = await rowCounts();
    expect(before.organizations).toBe(2);
    expect(await migrate({ databaseUrl: TEST_DATABASE_URL, schema: db.schema })).toEqual([]);
    await seedDemo(db.pool);
    expect(await rowCounts()).toEqual(before);
  });

  it('stores every id of demo-ids.ts, each in its own organization', async () => {
    const tableOf: Record<string, string> = {
      id: 'organizations', staff: 'organization_staff', weddings: 'weddings', vendors: 'vendors', clients: 'clients',
      preferences: 'notification_preferences', webhookEndpoint: 'webhook_endpoints', payment: 'payments',
      ceremony: 'timeline_events', milestone: 'journey_progress',
    };
    for (const org of [DEMO_ORG_A, DEMO_ORG_B] as DemoOrganizationIds[]) {
      for (const [key, value] of Object.entries(org)) {
        const ids = typeof value === 'string' ? [value] : Object.values(value).flat();
        const column = key === 'id' ? 'id' : 'organization_id';
        const { rows } = await db.pool.query<{ n: number }>(
          `select count(*)::int as n from "${tableOf[key]!}" where id = any($1::uuid[]) and ${column} = $2`,
          [ids, org.id],
        );
        expect({ key, found: rows[0]!.n }).toEqual({ key, found: ids.length });
      }
    }
  });

  it('dates the weddings today, in 5 and in 40 days in New York, and moves them back on a later seed', async () => {
    const { weddings } = DEMO_ORG_A;
    const dates = async () =>
      (
        await db.pool.query<{ id: string; date: string }>(
          `select id, to_char(wedding_date, 'YYYY-MM-DD') as date from weddings where id = any($1::uuid[]) order by id`,
          [[weddings.today, weddings.inFiveDays, weddings.inFortyDays]],
        )
      ).rows.map((r) => r.date);
    const expected = [0, 5, 40].map((d) => todayIn('America/New_York', d));
    expect(await dates()).toEqual(expected);

    await db.pool.query(`update weddings set wedding_date = wedding_date - 3 where id = $1`, [weddings.today]);
    await seedDemo(db.pool);
    expect(await dates()).toEqual(expected);
  });

  it('bumps updated_at on update', async () => {
    const read = async () =>
      (await db.pool.query<{ updated_at: Date }>('select updated_at from vendors where id = $1', [DEMO_ORG_A.vendors.florist])).rows[0]!.updated_at;
    const before = await read();
    await db.pool.query(`update vendors set phone = '+15555559999' where id = $1`, [DEMO_ORG_A.vendors.florist]);
    expect((await read()).getTime()).toBeGreaterThan(before.getTime());
  });

  it('keeps full old rows for the tables whose updated columns the worker compares', async () => {
    const { rows } = await db.pool.query<{ relname: string }>(
      `select relname from pg_class where relnamespace = $1::regnamespace and relkind = 'r' and relreplident = 'f' order by relname`,
      [db.schema],
    );
    expect(rows.map((r) => r.relname)).toEqual(['clients', 'journey_progress', 'payments', 'timeline_events', 'weddings']);
  });

  it("refuses to link one organization's wedding to another's vendor", async () => {
    await expect(
      assignVendor(db.pool, { organizationId: DEMO_ORG_A.id, weddingId: DEMO_ORG_A.weddings.today, vendorId: DEMO_ORG_B.vendors.florist }),
    ).rejects.toMatchObject({ code: '23503' });
    await expect(
      assignVendor(db.pool, { organizationId: DEMO_ORG_B.id, weddingId: DEMO_ORG_A.weddings.today, vendorId: DEMO_ORG_B.vendors.florist }),
    ).rejects.toMatchObject({ code: '23503' });
  });

  it('refuses unknown opt-out channels and half-set quiet hours', async () => {
    const base = { organizationId: DEMO_ORG_A.id, personKind: 'staff' as const, personId: DEMO_ORG_A.staff.planner };
    await expect(insertPreferences(db.pool, { ...base, optOutChannels: ['carrier_pigeon'] })).rejects.toMatchObject({ code: '23514' });
    await expect(insertPreferences(db.pool, { ...base, quietHoursStart: '22:00' })).rejects.toMatchObject({ code: '23514' });
  });
});
