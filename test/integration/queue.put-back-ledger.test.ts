import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deliveryOf } from '../support/delivery-factory';
import { startTestApp, type TestApp } from '../support/start-app';
import { TEST_SECRET } from '../support/test-config';
import { createTestSchema, type TestSchema } from '../support/test-db';
import { waitFor } from '../support/wait-for';

let db: TestSchema;
let t: TestApp;
beforeAll(async () => {
  db = await createTestSchema('putbackrow');
  t = await startTestApp({
    env: { DATABASE_URL: db.databaseUrl },
    worker: { queue: { schema: `${db.schema}_gw`, urgentConcurrency: 8, maxWaitingPerDestination: 1 } },
  });
  await waitFor(() => t.app.queue?.runnerState().running === true, { what: 'the queue runner' });
});
afterAll(async () => {
  await t.close();
  await db.pool.query(`drop schema if exists "${db.schema}_gw" cascade`);
  await db.drop();
});

describe('critical deliveries beyond maxWaitingPerDestination on a spent limit', () => {
  it('are put back again and again without their ledger rows being rewritten', async () => {
    // One a minute: the first goes, the next waits in the limiter, the others are put back.
    const deliveries = Array.from({ length: 6 }, (_, i) =>
      deliveryOf(
        { channel: 'webhook', url: `${t.receiver.url}/one-a-minute`, secrets: [TEST_SECRET], timeoutMs: 2_000, body: `{"n":${i}}` },
        { priority: { level: 'critical', score: 95, reasons: ['test'] }, recipient: { kind: 'endpoint', id: 'one-a-minute' }, rateLimit: { max: 1, perMs: 60_000, maxConcurrent: 1 } },
      ),
    );
    const ids = deliveries.map((d) => d.id);
    await t.app.queue!.submit(deliveries);
    // Read at once: a version rewritten by the first put-back would already differ.
    const versions = async () =>
      Object.fromEntries((await db.pool.query<{ id: string; version: string }>(`select id, xmin::text || ' ' || ctid::text as version from deliveries where id = any($1)`, [ids])).rows.map((r) => [r.id, r.version]));
    const before = await versions();
    const putBack = () => new Set(t.lines.filter((l) => l.msg === 'rate limit busy; put back').map((l) => l.deliveryId));
    await waitFor(() => putBack().size >= 4 && t.lines.filter((l) => l.msg === 'rate limit busy; put back').length >= 12, { what: 'four deliveries put back, some of them more than once' });

    const after = await versions();
    for (const id of putBack()) expect(after[id as string]).toBe(before[id as string]);
    const { rows } = await db.pool.query<{ id: string; status: string; jobs: number }>(
      `select d.id, d.status, (select count(*)::int from "${db.schema}_gw"._private_jobs j where j.key = d.id) as jobs from deliveries d where d.id = any($1)`,
      [[...putBack()]],
    );
    // Still pending, each with its job under its key: nothing lost by not writing the row.
    expect(rows).toHaveLength(putBack().size);
    for (const r of rows) expect(r).toMatchObject({ status: 'pending', jobs: 1 });
    expect(t.receiver.requests.filter((r) => r.path === '/one-a-minute')).toHaveLength(1);
  });
});
