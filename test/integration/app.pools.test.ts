import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Pool, type PoolClient } from 'pg';
import { deliveryOf } from '../support/delivery-factory';
import { startTestApp, type TestApp } from '../support/start-app';
import { TEST_SECRET } from '../support/test-config';
import { createTestSchema, type TestSchema } from '../support/test-db';
import { waitFor } from '../support/wait-for';

let db: TestSchema;
beforeAll(async () => {
  db = await createTestSchema('pools');
});
afterAll(async () => {
  await db.pool.query(`drop schema if exists "${db.schema}_gw1" cascade`);
  await db.pool.query(`drop schema if exists "${db.schema}_gw2" cascade`);
  await db.drop();
});

describe('database pools of deciding and delivering', () => {
  it('starts graphile-worker on a pool at least as large as its concurrency (no warning at start)', async () => {
    const t = await startTestApp({ env: { DATABASE_URL: db.databaseUrl }, worker: { queue: { schema: `${db.schema}_gw1`, concurrency: 16 } } });
    try {
      await waitFor(() => t.app.queue?.runnerState().running === true, { what: 'the queue runner' });
      expect(t.lines.filter((l) => /maxPoolSize .* smaller than concurrency/.test(l.msg))).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('delivers while deciding holds every connection of its pool', async () => {
    const decidePool = new Pool({ connectionString: db.databaseUrl, max: 2 });
    const jobPool = new Pool({ connectionString: db.databaseUrl, max: 12 });
    let t: TestApp | undefined;
    const held: PoolClient[] = [];
    try {
      t = await startTestApp({
        env: { DATABASE_URL: db.databaseUrl },
        worker: { queue: { schema: `${db.schema}_gw2`, concurrency: 8, pollIntervalMs: 50 } },
        deps: { pool: decidePool, jobPool },
      });
      await waitFor(() => t!.app.queue?.runnerState().running === true, { what: 'the queue runner' });
      // A burst of decisions, as far as the pool can tell: every connection checked out.
      held.push(await decidePool.connect(), await decidePool.connect());
      const deliveries = Array.from({ length: 5 }, (_, i) =>
        deliveryOf({ channel: 'webhook', url: `${t!.receiver.url}/held`, secrets: [TEST_SECRET], timeoutMs: 2_000, body: `{"n":${i}}` }),
      );
      // Persisted by another connection: the decide pool has none to spare.
      await t.app.queue!.ledger.enqueue(deliveries, db.pool);
      await waitFor(() => t!.receiver.requests.filter((r) => r.path === '/held').length >= 5, { what: 'five deliveries', timeoutMs: 10_000 });
      expect(new Set(t.receiver.requests.filter((r) => r.path === '/held').map((r) => r.body))).toEqual(new Set(deliveries.map((d) => (d.message as { body: string }).body)));
    } finally {
      for (const client of held) client.release();
      await t?.close();
      await Promise.all([decidePool.end(), jobPool.end()]);
    }
  });
});
