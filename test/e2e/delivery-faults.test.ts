import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DateTime } from 'luxon';
import { contentOf, deliveryOf } from '../support/delivery-factory';
import { insertOrganization, insertWebhookEndpoint, insertWedding } from '../support/fixtures';
import { startStack, type Stack } from '../support/start-stack';
import { lockTable } from '../support/table-lock';
import { TEST_SECRET } from '../support/test-config';
import { waitFor } from '../support/wait-for';
import { WebhookReceiver } from '../support/webhook-receiver';

const formsToPartners = { name: 'forms-to-partners', match: { table: 'form_responses', events: ['INSERT'] }, kind: 'form.response_received', audiences: [{ type: 'webhook_endpoints' }] };

describe('a ledger write failing after a successful send', () => {
  let s: Stack;
  let partner: WebhookReceiver;
  beforeAll(async () => {
    s = await startStack({ worker: { rules: [formsToPartners], queue: { concurrency: 4, pollIntervalMs: 50 } } });
    partner = await new WebhookReceiver({ status: 200 }).start();
  });
  afterAll(async () => {
    await partner.close();
    await s.close();
  });

  it('is retried as bookkeeping: the message is not sent again and the partner is not blamed', async () => {
    // A real database error on the first "delivered" write only (a sequence is not rolled back).
    await s.db.pool.query(`
      create sequence ledger_faults;
      create function fail_first_delivered_mark() returns trigger language plpgsql as $$
      begin
        if new.status = 'delivered' and old.status <> 'delivered' and nextval('ledger_faults') = 1 then
          raise exception 'injected ledger failure' using errcode = '08006';
        end if;
        return new;
      end $$;
      create trigger fail_first_delivered_mark before update on deliveries for each row execute function fail_first_delivered_mark();`);
    const org = await insertOrganization(s.db.pool);
    const wedding = await insertWedding(s.db.pool, { organizationId: org, weddingDate: DateTime.now().plus({ days: 60 }).toISODate()! });
    const endpoint = await insertWebhookEndpoint(s.db.pool, { organizationId: org, name: 'crm', url: `${partner.url}/crm`, secret: TEST_SECRET });
    s.realtime.emitChange({ table: 'form_responses', type: 'INSERT', record: { id: 'fr-bookkeeping', organization_id: org, wedding_id: wedding, vendor_id: null } });

    const row = async () =>
      (await s.db.pool.query<{ id: string; status: string }>(`select id, status from deliveries where destination = $1`, [`webhook:${endpoint}`])).rows[0];
    await waitFor(async () => (await row())?.status === 'delivered', { timeoutMs: 20_000, what: 'the delivery marked delivered' });
    const { rows: faults } = await s.db.pool.query<{ n: string }>(`select last_value as n from ledger_faults`);
    expect(Number(faults[0]!.n)).toBeGreaterThanOrEqual(2); // the failed write and the one that took
    const id = (await row())!.id;
    expect(partner.requests.filter((r) => r.headers['webhook-id'] === id)).toHaveLength(1);
    const { rows: health } = await s.db.pool.query<{ failures: number }>(`select consecutive_failures as failures from destination_health where destination = $1`, [`webhook:${endpoint}`]);
    expect(health.every((h) => h.failures === 0)).toBe(true);
  });
});

describe('a destination answering 429 with a long Retry-After', () => {
  let s: Stack;
  let limited: WebhookReceiver;
  let other: WebhookReceiver;
  beforeAll(async () => {
    s = await startStack({
      worker: {
        rules: [],
        queue: { concurrency: 2, pollIntervalMs: 50 },
        // The production caps: a Retry-After of a minute would be slept through in place.
        retry: { attempts: 3, minDelayMs: 20, maxDelayMs: 100, maxRetryAfterMs: 120_000, maxInPlaceRetryAfterMs: 1_000, jitter: 0 },
      },
    });
    limited = await new WebhookReceiver({ status: 429, headers: { 'retry-after': '60' } }).start();
    other = await new WebhookReceiver({ status: 200 }).start();
  });
  afterAll(async () => {
    await Promise.all([limited.close(), other.close()]);
    await s.close();
  });

  it("gives its queue slots back: another tenant's critical delivery goes through, and the 429s wait in the queue", async () => {
    const rateLimit = { max: 1_000, perMs: 1_000, maxConcurrent: 8 };
    const storm = Array.from({ length: 4 }, (_, i) =>
      deliveryOf({ channel: 'webhook', url: `${limited.url}/busy`, secrets: [TEST_SECRET], timeoutMs: 2_000, body: `{"storm":${i}}` }, { rateLimit, organizationId: '0000000a-0000-4000-8000-00000000000a' }),
    );
    await s.app.queue!.submit(storm);
    await waitFor(() => limited.requests.length >= 2, { what: 'both slots to meet the 429' });
    const critical = deliveryOf({ channel: 'webhook', url: `${other.url}/urgent`, secrets: [TEST_SECRET], timeoutMs: 2_000, body: '{"critical":true}' }, {
      priority: { level: 'critical', score: 95, reasons: ['test'] },
      organizationId: '0000000b-0000-4000-8000-00000000000b',
      recipient: { kind: 'organization', id: 'org-b' },
      rateLimit,
    });
    await s.app.queue!.submit([critical]);
    await waitFor(() => other.requests.some((r) => r.body === '{"critical":true}'), { timeoutMs: 10_000, what: 'the critical delivery of the other tenant' });
    // Every storm delivery was tried once and rescheduled a minute out, none slept in a slot.
    const ids = storm.map((d) => d.id);
    await waitFor(async () => (await s.db.pool.query(`select count(*)::int as n from deliveries where id = any($1) and attempts > 0`, [ids])).rows[0].n === 4, { what: 'every storm delivery tried' });
    const { rows } = await s.db.pool.query<{ status: string; wait_s: number }>(
      `select status, extract(epoch from next_attempt_at - updated_at)::int as wait_s from deliveries where id = any($1)`,
      [ids],
    );
    for (const r of rows) expect(r).toEqual({ status: 'pending', wait_s: expect.any(Number) });
    for (const r of rows) expect(r.wait_s).toBeGreaterThanOrEqual(59);
    expect(limited.requests).toHaveLength(4);
  });
});

describe('a locked notifications table', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({ worker: { rules: [], database: { statementTimeoutMs: 1_000 }, queue: { concurrency: 16, heartbeatMs: 100, pollIntervalMs: 50 } } });
  });
  afterAll(async () => {
    await s.close();
  });

  it('fails in-app deliveries with a timeout, retryably, while the heart-beats go on', async () => {
    const lock = await lockTable(s.db.schema, 'notifications');
    try {
      const { rows: locked } = await s.db.pool.query<{ at: Date }>('select now() as at');
      // More inserts than the pool has connections: without deadlines they would hold all of them.
      const inApp = Array.from({ length: 14 }, (_, i) =>
        deliveryOf({ channel: 'in_app', organizationId: '0000000a-0000-4000-8000-000000000001', recipientKind: 'vendor', recipientId: `0000000a-0000-4000-8000-0000000001${String(i).padStart(2, '0')}`, weddingId: null, content: contentOf('normal') }),
      );
      await s.app.queue!.submit(inApp);
      await lock.blockedPid();
      await waitFor(
        async () => (await s.db.pool.query<{ fresh: boolean }>(`select bool_and(last_seen > $1::timestamptz + interval '1 second') as fresh from worker_processes`, [locked[0]!.at])).rows[0]?.fresh,
        { what: 'a heart-beat more than a second after the lock' },
      );
      const failed = await waitFor(
        async () => (await s.db.pool.query<{ status: string; dead_reason: string | null }>(`select status, dead_reason from deliveries where id = any($1) and last_error = 'postgres 57014'`, [inApp.map((d) => d.id)])).rows[0],
        { what: 'an in-app delivery failed by the statement timeout' },
      );
      expect(failed.status === 'pending' || failed.dead_reason === 'retries exhausted: postgres 57014').toBe(true);
    } finally {
      await lock.release();
    }
  });
});
