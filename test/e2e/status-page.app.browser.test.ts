import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { DateTime } from 'luxon';
import { insertOrganization, insertWebhookEndpoint, insertWedding } from '../support/fixtures';
import { artifactPath, launchChromium, offOrigin, recordRequests } from '../support/browser';
import { startStack, type Stack } from '../support/start-stack';
import { TEST_SECRET } from '../support/test-config';
import { waitFor } from '../support/wait-for';
import { WebhookReceiver } from '../support/webhook-receiver';

// The real worker's state, not a made-up snapshot: a subscription the Realtime server refuses,
// and a partner endpoint whose circuit opened after real failures, seen in a real Chromium.

let s: Stack;
let browser: Browser;
let failing: WebhookReceiver;
let endpoint: string;

beforeAll(async () => {
  s = await startStack({
    worker: {
      rules: [{ name: 'forms', match: { table: 'form_responses', events: ['INSERT'] }, kind: 'form.response_received', audiences: [{ type: 'webhook_endpoints' }] }],
      endpointHealth: { failureThreshold: 2, openForMs: 600_000 },
    },
  });
  failing = await new WebhookReceiver({ status: 503 }).start();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await failing.close();
  await s.close();
});

describe('/status on the running worker', () => {
  it('shows, by name, a subscription made to fail and an endpoint whose circuit opened', async () => {
    const org = await insertOrganization(s.db.pool);
    const wedding = await insertWedding(s.db.pool, { organizationId: org, weddingDate: DateTime.now().plus({ days: 20 }).toISODate()! });
    endpoint = await insertWebhookEndpoint(s.db.pool, { organizationId: org, name: 'crm', url: `${failing.url}/crm`, secret: TEST_SECRET });
    s.realtime.emitChange({ table: 'form_responses', type: 'INSERT', record: { id: 'st-1', organization_id: org, wedding_id: wedding, vendor_id: null } });
    await waitFor(async () => (await s.app.status()).destinations.some((d) => d.key === `webhook:${endpoint}` && d.condition === 'open'), {
      timeoutMs: 20_000,
      what: 'the circuit to open',
    });
    // Make one subscription fail: the server refuses its joins from now on.
    s.realtime.knobs.refuseJoins = Infinity;
    s.realtime.knobs.refuseJoinReason = 'Unauthorized: You do not have permissions to read from this Channel topic: wedsync-payments';
    s.realtime.closeChannel('wedsync-payments');
    await waitFor(() => s.app.readiness().components['subscription:payments']?.ready === false, { timeoutMs: 20_000, what: 'payments not live' });

    const context = await browser.newContext();
    const requests = recordRequests(context);
    const page = await context.newPage();
    await page.goto(`${s.healthUrl}/status`);
    const subscription = page.locator('[data-subscription="payments"]');
    await subscription.waitFor();
    expect(await subscription.getAttribute('data-live')).toBe('false');
    expect(await subscription.innerText()).toMatch(/payments/);
    const destination = page.locator(`[data-destination="webhook:${endpoint}"]`);
    expect(await destination.getAttribute('data-condition')).toBe('open');
    expect(await page.locator('#overall').getAttribute('data-overall')).toBe('not_ready');
    await page.screenshot({ path: artifactPath('status-page-live-worker.png'), fullPage: true });
    expect(offOrigin(requests, s.healthUrl)).toEqual([]);
    await context.close();
    s.realtime.knobs.refuseJoins = 0;
  });
});
