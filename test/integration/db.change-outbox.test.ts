import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestSchema, type TestSchema } from '../support/test-db';

let db: TestSchema;
beforeAll(async () => {
  db = await createTestSchema('outboxdb');
});
afterAll(() => db.drop());

async function outboxRows(table: string) {
  const { rows } = await db.pool.query(`select organization_id, source_schema, source_table, operation, record, old_record from change_outbox where source_table = $1 order by id`, [table]);
  return rows;
}

describe('migration 0003: the change outbox', () => {
  it('records every write of a tenant table with its whole old and new rows, DELETEs included', async () => {
    const { rows: orgs } = await db.pool.query(`insert into organizations (name) values ('Outbox Org') returning id`);
    const org = orgs[0].id as string;
    // vendors keeps REPLICA IDENTITY DEFAULT: Realtime would send only its key as the old row.
    const { rows: vendors } = await db.pool.query(`insert into vendors (organization_id, name, phone) values ($1, 'Florist', '+441234') returning id`, [org]);
    const vendor = vendors[0].id as string;
    await db.pool.query(`update vendors set phone = '+449999' where id = $1`, [vendor]);
    await db.pool.query(`delete from vendors where id = $1`, [vendor]);

    const captured = await outboxRows('vendors');
    expect(captured.map((r) => r.operation)).toEqual(['INSERT', 'UPDATE', 'DELETE']);
    expect(captured.every((r) => r.organization_id === org && r.source_schema === db.schema)).toBe(true);
    expect(captured[0]).toMatchObject({ record: { id: vendor, phone: '+441234' }, old_record: null });
    expect(captured[1]).toMatchObject({ record: { phone: '+449999' }, old_record: { id: vendor, name: 'Florist', phone: '+441234' } });
    expect(captured[2]).toMatchObject({ record: null, old_record: { id: vendor, phone: '+449999' } });
    // An organization is its own tenant.
    expect((await outboxRows('organizations'))[0]).toMatchObject({ organization_id: org, operation: 'INSERT' });
  });

  it('is on all thirteen tenant tables, and on nothing else', async () => {
    const { rows } = await db.pool.query<{ table: string }>(
      `select c.relname as table from pg_trigger t join pg_class c on c.oid = t.tgrelid
       where c.relnamespace = $1::regnamespace and t.tgname like '%_capture_change' order by 1`,
      [db.schema],
    );
    expect(rows.map((r) => r.table)).toEqual([
      'clients', 'form_responses', 'journey_progress', 'notification_preferences', 'organization_staff', 'organizations',
      'payments', 'timeline_events', 'vendors', 'webhook_endpoints', 'wedding_alerts', 'wedding_vendors', 'weddings',
    ]);
  });

  it('captures the writes of an app role that may neither read the outbox nor prune it', async () => {
    const role = `app_${randomBytes(4).toString('hex')}`;
    await db.pool.query(`create role ${role} nologin`);
    const asApp = async <T>(work: (q: (sql: string) => Promise<{ rows: Array<Record<string, unknown>> }>) => Promise<T>): Promise<T> => {
      const client = await db.pool.connect();
      try {
        await client.query('begin');
        await client.query(`set local role ${role}`);
        const result = await work((sql) => client.query(sql));
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback');
        throw error;
      } finally {
        client.release();
      }
    };
    try {
      await db.pool.query(`grant usage on schema "${db.schema}" to ${role}; grant select, insert on organizations, change_outbox to ${role}`);
      const seenByApp = await asApp(async (q) => {
        await q(`insert into organizations (name) values ('Written by the app')`);
        // Row level security without a policy: the app sees no outbox row, not even its own.
        return (await q('select count(*)::int as n from change_outbox')).rows[0]!.n;
      });
      expect(seenByApp).toBe(0);
      await expect(asApp((q) => q(`select prune_change_outbox('1 day')`))).rejects.toThrow(/permission denied/);
    } finally {
      await db.pool.query(`drop owned by ${role}; drop role ${role}`);
    }
    const captured = await outboxRows('organizations');
    expect(captured.filter((r) => r.record?.name === 'Written by the app')).toHaveLength(1);
  });

  it('prunes rows older than an age and says how many', async () => {
    await db.pool.query(`update change_outbox set changed_at = changed_at - interval '10 days' where source_table = 'vendors'`);
    const { rows } = await db.pool.query(`select prune_change_outbox('7 days') as pruned`);
    expect(Number(rows[0].pruned)).toBe(3);
    expect(await outboxRows('vendors')).toEqual([]);
    expect((await outboxRows('organizations')).length).toBeGreaterThan(0);
  });
});
