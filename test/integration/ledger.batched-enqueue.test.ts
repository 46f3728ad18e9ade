import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runMigrations } from 'graphile-worker';
import { BatchedEnqueue } from '../../src/deliver/durable/batched-enqueue';
import { DeliveryLedger, type SqlClient } from '../../src/deliver/durable/delivery-ledger';
import { deliveryOf } from '../support/delivery-factory';
import { TEST_SECRET } from '../support/test-config';
import { createTestSchema, type TestSchema } from '../support/test-db';

let db: TestSchema;
let gw: string;
beforeAll(async () => {
  db = await createTestSchema('batchenq');
  gw = `${db.schema}_gw`;
  await runMigrations({ pgPool: db.pool, schema: gw });
});
afterAll(async () => {
  await db.pool.query(`drop schema if exists "${gw}" cascade`);
  await db.drop();
});

/** The pool, counting the statements that reach it. */
function counted(): { db: SqlClient; statements: () => number } {
  let statements = 0;
  return {
    db: {
      query: (text, values) => {
        statements += 1;
        return db.pool.query(text, values) as never;
      },
    },
    statements: () => statements,
  };
}

const change = (tag: string, n = 2) =>
  Array.from({ length: n }, (_, i) => deliveryOf({ channel: 'webhook', url: 'http://127.0.0.1:9/hook', secrets: [TEST_SECRET], timeoutMs: 1_000, body: `{"change":"${tag}","n":${i}}` }));

const persisted = async (ids: readonly string[]) => {
  const { rows } = await db.pool.query<{ id: string; jobs: number }>(
    `select d.id, (select count(*)::int from "${gw}"._private_jobs j where j.key = d.id) as jobs from deliveries d where d.id = any($1::text[]) order by d.id`,
    [ids],
  );
  return rows;
};

describe('deliveries of changes decided together, persisted together', () => {
  it('writes 20 changes decided at once in far fewer statements, each row with its job', async () => {
    const sql = counted();
    const enqueue = new BatchedEnqueue(new DeliveryLedger(db.pool, gw), sql.db);
    const changes = Array.from({ length: 20 }, (_, i) => change(`c${i}`));
    const fresh = await Promise.all(changes.map((c) => enqueue.enqueue(c)));

    // Each change hears of its own deliveries only, all new.
    expect(fresh).toEqual(changes.map((c) => c.map((d) => d.id)));
    // The first change goes alone at once; the 19 decided while it was in flight share the next.
    expect(sql.statements()).toBe(2);
    const ids = changes.flat().map((d) => d.id);
    expect(await persisted(ids)).toEqual([...ids].sort().map((id) => ({ id, jobs: 1 })));
  });

  it('writes a delivery met twice in one batch once, with one job', async () => {
    const enqueue = new BatchedEnqueue(new DeliveryLedger(db.pool, gw), db.pool);
    const first = change('dup-a', 1);
    const [a, b, c] = await Promise.all([enqueue.enqueue(change('dup-lead', 1)), enqueue.enqueue(first), enqueue.enqueue(first)]);
    expect(a).toHaveLength(1);
    expect(b).toEqual([first[0]!.id]);
    expect(c).toEqual([]);
    expect(await persisted([first[0]!.id])).toEqual([{ id: first[0]!.id, jobs: 1 }]);
  });

  it("refuses only the change whose data the database refused; the others of its batch are written", async () => {
    const enqueue = new BatchedEnqueue(new DeliveryLedger(db.pool, gw), db.pool);
    const good = [change('good-1'), change('good-2'), change('good-3')];
    // Not a uuid: the whole batch's statement fails with 22P02 (invalid_text_representation).
    const bad = change('bad', 1).map((d) => ({ ...d, organizationId: 'not-a-uuid' }));
    const [lead, ...rest] = [change('lead'), good[0]!, bad, good[1]!, good[2]!].map((c) => enqueue.enqueue(c));
    await lead;
    const results = await Promise.allSettled(rest);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: '22P02' });
    const ids = good.flat().map((d) => d.id);
    expect(await persisted(ids)).toEqual([...ids].sort().map((id) => ({ id, jobs: 1 })));
    expect(await persisted(bad.map((d) => d.id))).toEqual([]);
  });
});
