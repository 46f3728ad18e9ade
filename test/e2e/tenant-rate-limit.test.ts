import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DateTime } from 'luxon';
import { insertOrganization, insertWebhookEndpoint, insertWedding } from '../support/fixtures';
import { startStack, type Stack } from '../support/start-stack';
import { TEST_SECRET } from '../support/test-config';
import { waitFor } from '../support/wait-for';

// A tenant's webhook_endpoints.rate_limit_per_minute is read with each change's context: when the
// tenant raises it (and the change reaches the worker), the next delivery goes by the new limit, without a restart and without
// waiting out a window of the old one.

let s: Stack;
beforeAll(async () => {
  s = await startStack({
    env: { REDIS_URL: 'redis://127.0.0.1:6379' },
    worker: {
      rules: [{ name: 'forms-to-partners', match: { table: 'form_responses', events: ['INSERT'] }, kind: 'form.response_received', audiences: [{ type: 'webhook_endpoints' }] }],
      limits: { redisNamespace: `test-tenant-${process.pid}-${Date.now()}` },
      queue: { concurrency: 8, pollIntervalMs: 50 },
    },
  });
});
afterAll(() => s.close());

describe("a tenant's own rate limit", () => {
  it('applies a raised limit to the next delivery, inside the minute the old one had filled', async () => {
    const org = await insertOrganization(s.db.pool);
    const wedding = await insertWedding(s.db.pool, { organizationId: org, weddingDate: DateTime.now().plus({ days: 90 }).toISODate()! });
    const endpoint = await insertWebhookEndpoint(s.db.pool, { organizationId: org, name: 'crm', url: `${s.receiver.url}/crm`, secret: TEST_SECRET, rateLimitPerMinute: 1 });
    const form = (id: string) => s.realtime.emitChange({ table: 'form_responses', type: 'INSERT', record: { id, organization_id: org, wedding_id: wedding, vendor_id: null } });
    const arrived = () => s.receiver.requests.filter((r) => r.path === '/crm').map((r) => JSON.parse(r.body) as { data?: { id?: string } });

    form('fr-first');
    await waitFor(() => arrived().length === 1, { what: 'the first form' });
    form('fr-held');
    // Held by 1 a minute: its delivery waits for the endpoint's slot.
    const waiting = async () => (await s.app.status()).destinations.find((d) => d.key === `webhook:${endpoint}`)?.waiting ?? 0;
    await waitFor(async () => (await waiting()) === 1, { what: 'the second to wait for the limit' });
    expect(arrived()).toHaveLength(1);

    const { rows } = await s.db.pool.query(`update webhook_endpoints set rate_limit_per_minute = 3 where id = $1 returning *`, [endpoint]);
    // Realtime pushes the endpoint's change too; only such a change makes the cached context stale.
    const before = s.decidedCount();
    s.realtime.emitChange({ table: 'webhook_endpoints', type: 'UPDATE', record: rows[0] as Record<string, unknown> });
    await waitFor(() => s.decidedCount() > before, { what: "the endpoint's change to be handled" });
    form('fr-after-raise');
    // Both go now, though a minute has not passed since the first.
    await waitFor(() => arrived().length === 3, { what: 'the held form and the next one under the raised limit' });
    // The receiver can answer before its sender has written "delivered".
    const delivered = async () =>
      (await s.db.pool.query<{ n: number }>(`select count(*)::int as n from deliveries where destination = $1 and status = 'delivered'`, [`webhook:${endpoint}`])).rows[0]!.n;
    await waitFor(async () => (await delivered()) === 3, { what: 'three marked delivered' });
    expect(arrived()).toHaveLength(3);
  });
});

