import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Agent } from 'undici';
import { ConnectionStore } from '../../src/connections/connection-store';
import { seedDemo } from '../../src/db/seed';
import { cipherFor, keyEntry } from '../support/connection-keys';
import { DEMO_ORG_A } from '../support/demo-ids';
import { deliveryOf } from '../support/delivery-factory';
import { ConstantContactFake } from '../support/fakes/constant-contact-fake';
import { startTestApp, type TestApp } from '../support/start-app';
import { createTestSchema, type TestSchema } from '../support/test-db';
import { waitFor } from '../support/wait-for';

// The worker's clock: it starts at 23:50 UTC and runs with the wall's; `jump` moves it on.
const realStart = Date.now();
let offsetMs = Date.UTC(2027, 5, 11, 23, 50) - realStart;
const clock = () => Date.now() + offsetMs;
const MIDNIGHT = Date.UTC(2027, 5, 12);

let db: TestSchema;
let t: TestApp;
let fake: ConstantContactFake;
let connectionId = '';
const agent = new Agent();

beforeAll(async () => {
  db = await createTestSchema('ccqueue');
  await seedDemo(db.pool);
  await db.pool.query(`insert into marketing_consents (organization_id, client_id, granted_at, source) select organization_id, id, now(), 'contract' from clients where wedding_id = $1`, [DEMO_ORG_A.weddings.today]);
  fake = await new ConstantContactFake(clock).start();
  const redirectUri = 'https://worker.wedsync.test/oauth/constant-contact/callback';
  fake.addClient('cc_queue_client', 'cc_queue_secret_value', redirectUri);
  const keys = keyEntry('k1');
  const store = new ConnectionStore(db.pool, cipherFor(keys));
  const connection = await store.add({
    organizationId: DEMO_ORG_A.id,
    partner: 'constant-contact',
    name: 'newsletter',
    options: { changes: ['milestone'], contactListIds: [fake.addList()] },
    credentials: { clientId: 'cc_queue_client', clientSecret: 'cc_queue_secret_value', redirectUri, refreshToken: fake.issueRefreshToken('cc_queue_client') },
  });
  connectionId = connection.id;
  t = await startTestApp({
    deps: { now: clock, http: agent },
    env: { DATABASE_URL: db.databaseUrl, CONNECTION_KEYS: keys, CONSTANT_CONTACT_BASE_URL: fake.apiUrl, CONSTANT_CONTACT_AUTH_URL: fake.authUrl },
    worker: { queue: { schema: `${db.schema}_gw`, concurrency: 4 } },
  });
  await waitFor(() => t.app.queue?.runnerState().running === true, { what: 'the queue runner' });
});
afterAll(async () => {
  await t.close();
  await fake.close();
  await agent.close();
  await db.pool.query(`drop schema if exists "${db.schema}_gw" cascade`);
  await db.drop();
});

const ledger = async () =>
  (await db.pool.query<{ id: string; status: string; next_attempt_at: Date; dead_reason: string | null }>(`select id, status, next_attempt_at, dead_reason from deliveries order by id`)).rows;

describe('the daily quota spent at 23:50 UTC, through the durable queue (issue 14, acceptance 3)', () => {
  it('parks the remaining deliveries until 00:00 UTC; none lost, none dead-lettered; all go after midnight', async () => {
    // Two deliveries (a look-up and a sign-up for each of two people) fit in what is left today.
    fake.dailyLimit = 9;
    const deliveries = Array.from({ length: 8 }, () =>
      deliveryOf(
        { channel: 'partner', connectionId, partner: 'constant-contact', organizationId: DEMO_ORG_A.id, weddingId: DEMO_ORG_A.weddings.today, change: 'milestone' },
        { organizationId: DEMO_ORG_A.id, weddingId: DEMO_ORG_A.weddings.today, recipient: { kind: 'endpoint', id: connectionId }, rateLimit: { max: null, perMs: 1_000, maxConcurrent: 1 } },
      ),
    );
    await t.app.queue!.submit(deliveries);
    const settled = async () => {
      const rows = await ledger();
      return rows.filter((d) => d.status === 'delivered').length === 2 && rows.filter((d) => d.status === 'pending' && d.next_attempt_at.getTime() === MIDNIGHT).length === 6;
    };
    await waitFor(settled, { what: '2 delivered and 6 parked until 00:00 UTC', timeoutMs: 30_000 });
    expect((await ledger()).filter((d) => d.status === 'dead')).toEqual([]);
    // One quota answer told the worker; the other five parked without another request.
    expect(fake.rejected.filter((r) => r.problems.includes('daily quota spent'))).toHaveLength(1);
    expect(t.lines.filter((l) => l.msg === 'provider quota spent; delivery parked')).toHaveLength(6);

    // Midnight: a new day's full quota, the clock moves on, and the parked jobs come due.
    fake.dailyLimit = 10_000;
    fake.spendQuota('cc_queue_client');
    offsetMs += MIDNIGHT + 5_000 - clock();
    await db.pool.query(`update "${db.schema}_gw"._private_jobs set run_at = now()`);
    await waitFor(async () => (await ledger()).every((d) => d.status === 'delivered'), { what: 'all 8 delivered after midnight', timeoutMs: 30_000 });
    expect((await ledger()).map((d) => d.dead_reason)).toEqual(Array(8).fill(null));
    expect([...fake.contacts.values()].every((c) => !c.deleted && c.permission === 'explicit')).toBe(true);
  }, 90_000);
});
