import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deliveryOf } from '../support/delivery-factory';
import { startTestApp, type TestApp } from '../support/start-app';
import { TEST_SECRET } from '../support/test-config';
import { createTestSchema, type TestSchema } from '../support/test-db';
import { waitFor } from '../support/wait-for';

let db: TestSchema;
let t: TestApp;

beforeAll(async () => {
  db = await createTestSchema('critslots');
  t = await startTestApp({
    env: { DATABASE_URL: db.databaseUrl },
    worker: { queue: { schema: `${db.schema}_gw`, concurrency: 6, maxWaitingPerDestination: 2 } },
  });
  await waitFor(() => t.app.queue?.runnerState().running === true, { what: 'the queue runner' });
});
afterAll(async () => {
  await t.close();
  await db.pool.query(`drop schema if exists "${db.schema}_gw" cascade`);
  await db.drop();
});

const critical = (path: string, n: number, rateLimit: { max: number | null; perMs: number; maxConcurrent: number }) =>
  deliveryOf(
    { channel: 'webhook', url: `${t.receiver.url}${path}`, secrets: [TEST_SECRET], timeoutMs: 5_000, body: `{"n":${n}}` },
    { recipient: { kind: 'endpoint', id: path }, priority: { level: 'critical', score: 95, reasons: ['test'] }, rateLimit },
  );
const received = (path: string) => t.receiver.requests.filter((r) => r.path === path).length;

describe('critical deliveries beyond one destination\'s limit', () => {
  it('do not hold every queue slot: a critical delivery to another destination leaves at once', async () => {
    // One a minute: the first leaves now, the next only in a minute.
    const overLimit = Array.from({ length: 12 }, (_, n) => critical('/one-a-minute', n, { max: 1, perMs: 60_000, maxConcurrent: 6 }));
    await t.app.queue!.submit(overLimit);
    await waitFor(() => received('/one-a-minute') === 1, { what: 'the first within the limit' });
    // Six slots: without a bound, the five others now wait in them for the next minute.
    await t.app.queue!.submit([critical('/open', 0, { max: null, perMs: 1_000, maxConcurrent: 6 })]);
    await waitFor(() => received('/open') === 1, { timeoutMs: 15_000, what: 'the other destination\'s critical delivery' });
    expect(received('/one-a-minute')).toBe(1);
  });
});
