import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { DateTime } from 'luxon';
import { assignVendor, insertClient, insertOrganization, insertVendor, insertWebhookEndpoint, insertWedding } from '../support/fixtures';
import { artifactPath, launchChromium, offOrigin, recordRequests } from '../support/browser';
import { startStack, type Stack } from '../support/start-stack';
import { TEST_SECRET } from '../support/test-config';
import { waitFor } from '../support/wait-for';
import { WebhookReceiver } from '../support/webhook-receiver';

// The person on call's view of a real burst: the worker delivers to every channel through the
// loopback fakes, one partner endpoint keeps answering 503 until its deliveries are dead letters,
// and /status, read in a real Chromium, shows each channel's counts from the ledger, the failing
// endpoint's failures and the command that replays them.

let s: Stack;
let browser: Browser;
let failing: WebhookReceiver;
const today = DateTime.now().setZone('America/New_York');

beforeAll(async () => {
  s = await startStack();
  failing = await new WebhookReceiver({ status: 503, body: '{"error":"maintenance"}' }).start();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await failing?.close();
  await s?.close();
});

describe('/status after a burst to every channel', () => {
  it('shows each channel with its counts, and the failing endpoint with its failures and the replay command', async () => {
    const db = s.db.pool;
    const orgA = await insertOrganization(db, { slackWebhookUrl: s.slack.hookUrl() });
    const orgB = await insertOrganization(db, { slackWebhookUrl: null, teamsWebhookUrl: s.teams.hookUrl() });
    const weddingA = await insertWedding(db, { organizationId: orgA, weddingDate: today.plus({ days: 3 }).toISODate()! });
    const weddingB = await insertWedding(db, { organizationId: orgB, weddingDate: today.toISODate()!, timeZone: 'America/New_York' });
    const vendorA = await insertVendor(db, { organizationId: orgA, email: 'lens@oncall.test', phone: '+14155550161' });
    await assignVendor(db, { organizationId: orgA, weddingId: weddingA, vendorId: vendorA });
    await insertClient(db, { organizationId: orgA, weddingId: weddingA, email: 'ana@oncall.test', phone: '+14155550162' });
    const vendorB = await insertVendor(db, { organizationId: orgB, email: 'bloom@oncall.test', phone: '+14155550163' });
    await assignVendor(db, { organizationId: orgB, weddingId: weddingB, vendorId: vendorB, role: 'florist' });
    const endpoint = await insertWebhookEndpoint(db, { organizationId: orgA, name: 'crm', url: `${failing.url}/crm`, secret: TEST_SECRET, eventTypes: ['form.response_received'] });

    const moved = today.plus({ days: 4 }).toISODate()!;
    await db.query('update weddings set wedding_date = $1 where id = $2', [moved, weddingA]);
    // A date change 4 days out (critical: SMS, Slack, email, in-app), a payment for the archive
    // (the file endpoint), an emergency at the organization on Teams, a form response whose
    // partner endpoint is down.
    s.realtime.emitChange({ table: 'weddings', type: 'UPDATE', record: { id: weddingA, organization_id: orgA, wedding_date: moved }, oldRecord: { id: weddingA, wedding_date: today.plus({ days: 3 }).toISODate() } });
    s.realtime.emitChange({ table: 'payments', type: 'INSERT', record: { id: 'pay-1', organization_id: orgA, wedding_id: weddingA, vendor_id: vendorA, status: 'pending', amount_cents: 1000 } });
    s.realtime.emitChange({ table: 'wedding_alerts', type: 'INSERT', record: { id: 'al-1', organization_id: orgB, wedding_id: weddingB, severity: 'emergency', message: 'Road closed' } });
    s.realtime.emitChange({ table: 'form_responses', type: 'INSERT', record: { id: 'fr-1', organization_id: orgA, wedding_id: weddingA, vendor_id: vendorA, form_name: 'Menu' } });
    await s.settled(4);
    await waitFor(async () => ((await s.app.status()).onCall?.deadLetters ?? []).some((g) => g.destination === `webhook:${endpoint}`), {
      timeoutMs: 20_000,
      what: 'the failing endpoint’s delivery to be a dead letter',
    });

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const requests = recordRequests(context);
    const page = await context.newPage();
    await page.goto(`${s.healthUrl}/status`);
    await page.locator('#traffic').waitFor();
    const delivered: Record<string, number> = {};
    for (const channel of ['webhook', 'email', 'sms', 'slack', 'teams', 'in_app']) {
      delivered[channel] = Number(await page.locator(`[data-traffic-channel="${channel}"] [data-count="delivered"]`).innerText());
    }
    // Each channel's count is what its fake accepted (webhooks: the archive; in-app: rows).
    expect(delivered).toEqual({
      webhook: s.receiver.requests.length,
      email: s.resend.accepted.length,
      sms: s.twilio.accepted.length,
      slack: s.slack.accepted.length,
      teams: s.teams.accepted.length,
      in_app: Number((await db.query<{ n: number }>('select count(*)::int as n from notifications')).rows[0]!.n),
    });
    expect(Object.values(delivered).every((n) => n > 0)).toBe(true);

    const row = page.locator(`[data-traffic-destination="webhook:${endpoint}"]`);
    expect(await row.locator('[data-count="failed"]').innerText()).toBe('1');
    expect(await row.locator('[data-count="delivered"]').innerText()).toBe('0');
    const dead = page.locator(`[data-dead-letters="webhook:${endpoint}"]`);
    expect(await dead.innerText()).toContain('503');
    expect(await dead.innerText()).toContain(`npm run cli -- replay --destination webhook:${endpoint}`);
    expect(await page.locator('#destinations').innerText()).not.toContain('No channel or endpoint used yet');
    // Today's wedding (New York) is listed by id, with its critical messages.
    expect(await page.locator(`[data-wedding="${weddingB}"]`).innerText()).toContain('America/New_York');

    const text = await page.locator('body').innerText();
    expect(text).not.toMatch(/lens@|ana@|bloom@|555016[123]/);
    await page.screenshot({ path: artifactPath('status-oncall-after-burst.png'), fullPage: true });
    expect(offOrigin(requests, s.healthUrl)).toEqual([]);
    await context.close();
  });
});
