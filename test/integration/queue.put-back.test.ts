import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deliveryOf } from '../support/delivery-factory';
import { startTestApp, type TestApp } from '../support/start-app';
import { TEST_SECRET } from '../support/test-config';
import { createTestSchema, type TestSchema } from '../support/test-db';
import { waitFor } from '../support/wait-for';

let db: TestSchema;
let t: TestApp;
// The app's clock runs a thousand times slower than the wall's: however loaded this machine is,
// the destination below answers "fast" (well under a millisecond a delivery, on this clock).
const origin = Date.now();
const slowClock = () => origin + (Date.now() - origin) / 1_000;

beforeAll(async () => {
  db = await createTestSchema('putback');
  t = await startTestApp({
    deps: { now: slowClock },
    env: { DATABASE_URL: db.databaseUrl },
    worker: { queue: { schema: `${db.schema}_gw`, concurrency: 8, maxWaitingPerDestination: 2 } },
  });
  await waitFor(() => t.app.queue?.runnerState().running === true, { what: 'the queue runner' });
});
afterAll(async () => {
  await t.close();
  await db.pool.query(`drop schema if exists "${db.schema}_gw" cascade`);
  await db.drop();
});

describe('jobs beyond maxWaitingPerDestination', () => {
  it('wait in line, without a put-back, on a destination that takes one at a time but answers fast', async () => {
    const deliveries = Array.from({ length: 40 }, (_, i) =>
      deliveryOf(
        { channel: 'webhook', url: `${t.receiver.url}/one-at-a-time`, secrets: [TEST_SECRET], timeoutMs: 2_000, body: `{"n":${i}}` },
        { recipient: { kind: 'endpoint', id: 'one-at-a-time' }, rateLimit: { max: null, perMs: 1_000, maxConcurrent: 1 } },
      ),
    );
    await t.app.queue!.submit(deliveries);
    await waitFor(() => t.receiver.requests.filter((r) => r.path === '/one-at-a-time').length >= 40, { what: '40 deliveries', timeoutMs: 20_000 });
    expect(new Set(t.receiver.requests.filter((r) => r.path === '/one-at-a-time').map((r) => r.body)).size).toBe(40);
    expect(t.lines.filter((l) => l.msg === 'rate limit busy; put back')).toEqual([]);
  });
});
