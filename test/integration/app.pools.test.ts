import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import { parsePrometheusText } from '../support/prometheus-text';
import { deliveryOf } from '../support/delivery-factory';
import { sampleContent } from '../support/notification-content';
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
  await db.pool.query(`drop schema if exists "${db.schema}_gw3" cascade`);
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

  it("checks at start that its pools fit the server's max_connections, and names each pool in pg_stat_activity", async () => {
    const name = `pools-${randomUUID().slice(0, 8)}`;
    const url = new URL(db.databaseUrl);
    url.searchParams.set('application_name', name);
    const t = await startTestApp({ env: { DATABASE_URL: url.toString() }, worker: { queue: { schema: `${db.schema}_gw4`, concurrency: 16, urgentConcurrency: 32 } } });
    try {
      // Info when it fits, a warning when the server is busy: either way with this replica's most.
      const line = await waitFor(() => t.lines.find((l) => /^(database connections|the database may run out of connections)/.test(l.msg)), { what: 'the connection budget at start' });
      expect(line).toMatchObject({ replicaMax: 32 + 7 + 10 + 2, allowed: expect.any(Number), inUseByOthers: expect.any(Number) });
      await waitFor(() => t.app.queue?.runnerState().running === true, { what: 'the queue runner' });
      const names = async () => (await db.pool.query<{ application_name: string }>(`select distinct application_name from pg_stat_activity where application_name like $1`, [`${name} %`])).rows.map((r) => r.application_name);
      // The heart-beat's connection opens at its first beat.
      await waitFor(async () => (await names()).includes(`${name} heart-beat`), { what: 'the heart-beat connection' });
      expect(await names()).toEqual(expect.arrayContaining([`${name} delivering`, `${name} heart-beat`]));
      // And on /metrics, by pool: what it holds and what waits for a connection.
      const samples = parsePrometheusText((await t.get('/metrics')).text).filter((m) => m.name === 'wedsync_database_connections');
      const at = (pool: string, state: string) => samples.find((m) => m.labels.pool === pool && m.labels.state === state)?.value;
      expect(new Set(samples.map((m) => m.labels.pool))).toEqual(new Set(['deciding', 'delivering', 'heart-beat', 'lease']));
      expect(at('delivering', 'open')).toBeGreaterThan(0);
      expect(at('delivering', 'open')).toBeLessThanOrEqual(32 + 7);
      expect(at('delivering', 'waiting')).toBeGreaterThanOrEqual(0);
      expect(at('heart-beat', 'open')).toBeLessThanOrEqual(1);
    } finally {
      await t.close();
      await db.pool.query(`drop schema if exists "${db.schema}_gw4" cascade`);
    }
  });

  /**
   * A worker whose deciding pool has every connection checked out (a burst of decisions, as far as
   * the pool can tell) while `run` goes; the delivering pool is its own.
   */
  async function withDecidingPoolHeld(queueSchema: string, run: (t: TestApp) => Promise<void>): Promise<void> {
    const decidePool = new Pool({ connectionString: db.databaseUrl, max: 2 });
    const jobPool = new Pool({ connectionString: db.databaseUrl, max: 12 });
    jobPool.on('error', () => undefined);
    let t: TestApp | undefined;
    const held: PoolClient[] = [];
    try {
      t = await startTestApp({
        env: { DATABASE_URL: db.databaseUrl },
        worker: { queue: { schema: queueSchema, concurrency: 8, pollIntervalMs: 50 } },
        deps: { pool: decidePool, jobPool },
      });
      await waitFor(() => t!.app.queue?.runnerState().running === true, { what: 'the queue runner' });
      held.push(await decidePool.connect(), await decidePool.connect());
      await run(t);
    } finally {
      for (const client of held) client.release();
      await t?.close();
      await Promise.all([decidePool.end(), jobPool.end()]);
    }
  }

  it('delivers while deciding holds every connection of its pool', async () => {
    await withDecidingPoolHeld(`${db.schema}_gw2`, async (t) => {
      const deliveries = Array.from({ length: 5 }, (_, i) =>
        deliveryOf({ channel: 'webhook', url: `${t.receiver.url}/held`, secrets: [TEST_SECRET], timeoutMs: 2_000, body: `{"n":${i}}` }),
      );
      // Persisted by another connection: the decide pool has none to spare.
      await t.app.queue!.ledger.enqueue(deliveries, db.pool);
      await waitFor(() => t.receiver.requests.filter((r) => r.path === '/held').length >= 5, { what: 'five deliveries', timeoutMs: 10_000 });
      expect(new Set(t.receiver.requests.filter((r) => r.path === '/held').map((r) => r.body))).toEqual(new Set(deliveries.map((d) => (d.message as { body: string }).body)));
    });
  });

  it('writes in-app rows on the delivering pool: a burst of decisions does not hold them back', async () => {
    await withDecidingPoolHeld(`${db.schema}_gw3`, async (t) => {
      const organizationId = randomUUID();
      const deliveries = Array.from({ length: 3 }, () => {
        const recipientId = randomUUID();
        return deliveryOf(
          { channel: 'in_app', organizationId, recipientKind: 'staff', recipientId, weddingId: null, content: sampleContent() },
          { organizationId, recipient: { kind: 'staff', id: recipientId } },
        );
      });
      await t.app.queue!.ledger.enqueue(deliveries, db.pool);
      const written = async () => (await db.pool.query(`select delivery_id from notifications where organization_id = $1`, [organizationId])).rows.map((r) => String(r.delivery_id));
      await waitFor(async () => (await written()).length === 3, { what: 'three in-app rows', timeoutMs: 10_000 });
      expect(new Set(await written())).toEqual(new Set(deliveries.map((d) => d.id)));
    });
  });
});
