import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deliveryOf } from '../support/delivery-factory';
import { startTestApp, type TestApp } from '../support/start-app';
import { TEST_SECRET } from '../support/test-config';
import { createTestSchema, type TestSchema } from '../support/test-db';
import { waitFor } from '../support/wait-for';
import { WebhookReceiver } from '../support/webhook-receiver';

let db: TestSchema;
let t: TestApp;
// Answers each request after a second: one at a time, its pace is a delivery a second.
const slow = new WebhookReceiver({ status: 200, body: '{"ok":true}', delayMs: 1_000 });

beforeAll(async () => {
  db = await createTestSchema('busyturn');
  await slow.start();
  t = await startTestApp({
    env: { DATABASE_URL: db.databaseUrl },
    worker: { queue: { schema: `${db.schema}_gw`, concurrency: 8, maxWaitingPerDestination: 2 } },
  });
  await waitFor(() => t.app.queue?.runnerState().running === true, { what: 'the queue runner' });
});
afterAll(async () => {
  await t.close();
  await slow.close();
  await db.pool.query(`drop schema if exists "${db.schema}_gw" cascade`);
  await db.drop();
});

const toSlow = (n: number) =>
  deliveryOf(
    { channel: 'webhook', url: `${slow.url}/slow`, secrets: [TEST_SECRET], timeoutMs: 10_000, body: `{"n":${n}}` },
    { recipient: { kind: 'endpoint', id: 'slow' }, rateLimit: { max: null, perMs: 1_000, maxConcurrent: 1 } },
  );

describe('deliveries planned while their destination is busy past maxWaitingPerDestination', () => {
  it('are queued for their turn, in the order planned, not taken at once to be put back, and go out in it', async () => {
    await t.app.queue!.submit([1, 2, 3, 4, 5].map(toSlow));
    // Two finished (the pace is known: a second each), the third sending, two waiting in line.
    await waitFor(() => slow.requests.length >= 3, { what: 'three deliveries sent', timeoutMs: 20_000 });

    const later = [6, 7, 8].map(toSlow);
    await t.app.queue!.submit(later);
    // The job written with the row (created in its statement) is due later; a job taken at once
    // and put back would be a new one, created after the row.
    const { rows } = await db.pool.query<{ id: string; own: boolean; ahead_ms: number; ledger_agrees: boolean }>(
      `select d.id, j.created_at = d.created_at as own, extract(epoch from j.run_at - d.created_at)::float8 * 1000 as ahead_ms, d.next_attempt_at = j.run_at as ledger_agrees
       from deliveries d join "${db.schema}_gw"._private_jobs j on j.key = d.id where d.id = any($1)`,
      [later.map((d) => d.id)],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    const turns = later.map((d) => byId.get(d.id)!);
    for (const turn of turns) expect(turn).toMatchObject({ own: true, ledger_agrees: true });
    // Taken at once it would have been due when written: 0 ms ahead.
    for (const turn of turns) expect(turn.ahead_ms).toBeGreaterThan(100);
    expect(turns.map((turn) => turn.ahead_ms)).toEqual([...turns.map((turn) => turn.ahead_ms)].sort((a, b) => a - b));

    await waitFor(() => slow.requests.length >= 8, { what: 'all eight delivered', timeoutMs: 30_000 });
    expect(new Set(slow.requests.map((r) => r.body)).size).toBe(8);
  });
});
