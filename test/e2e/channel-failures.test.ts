import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { DateTime } from 'luxon';
import { assignVendor, insertOrganization, insertVendor, insertWedding } from '../support/fixtures';
import { startStack, type Stack } from '../support/start-stack';
import { waitFor } from '../support/wait-for';

let s: Stack;
let org: string;
let wedding: string;
let slackHook: string;
let farOrg: string;
let farWedding: string;
let farVendor: string;
let farHook: string;
// Wall-clock "today" is safe across a midnight here: an emergency is critical whatever the date,
// and the protected window (checked by PostgreSQL's clock) spans the day before to the day after.
const today = () => DateTime.now().setZone('America/New_York').toISODate()!;

beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.close());

// Each test gets organizations, Slack hooks and baselines of its own: the destinations one test
// disables or holds are not the next one's, and tests pass in any order.
let linesBefore = 0;
let decidedBefore = 0;
let decided = 0;
let smsBefore = 0;
const testLines = () => s.lines.slice(linesBefore);
beforeEach(async () => {
  slackHook = s.slack.hookUrl();
  org = await insertOrganization(s.db.pool, { slackWebhookUrl: slackHook });
  wedding = await insertWedding(s.db.pool, { organizationId: org, weddingDate: today() });
  const vendor = await insertVendor(s.db.pool, { organizationId: org, name: 'Lens', email: 'lens@a.test', phone: '+14155550161' });
  await assignVendor(s.db.pool, { organizationId: org, weddingId: wedding, vendorId: vendor, role: 'photographer' });
  // An organization with no wedding near: nothing holds its destinations on.
  farHook = s.slack.hookUrl();
  farOrg = await insertOrganization(s.db.pool, { slackWebhookUrl: farHook });
  farWedding = await insertWedding(s.db.pool, { organizationId: farOrg, weddingDate: DateTime.now().plus({ days: 30 }).toISODate()! });
  farVendor = await insertVendor(s.db.pool, { organizationId: farOrg, name: 'Far', email: 'far@a.test', phone: '+14155550171' });
  await assignVendor(s.db.pool, { organizationId: farOrg, weddingId: farWedding, vendorId: farVendor, role: 'photographer' });
  linesBefore = s.lines.length;
  decidedBefore = s.decidedCount();
  decided = 0;
  smsBefore = s.twilio.requests.length;
});

async function emergency(id: string) {
  s.realtime.emitChange({ table: 'wedding_alerts', type: 'INSERT', record: { id, organization_id: org, wedding_id: wedding, severity: 'emergency', message: 'Road closed' } });
  decided += 1;
  await s.settled(decided, decidedBefore);
}

async function paymentFailed(id: string) {
  s.realtime.emitChange({ table: 'payments', type: 'INSERT', record: { id, organization_id: farOrg, wedding_id: farWedding, vendor_id: farVendor, status: 'failed', amount_cents: 100 } });
  decided += 1;
  await s.settled(decided, decidedBefore);
}

describe('channel failures on a critical message', () => {
  it('delivers a critical SMS that fails permanently (21610) by the next channel, and logs the chain', async () => {
    s.twilio.failNext(21610);
    const emails = s.resend.accepted.length;
    await emergency('al-1');
    expect(s.twilio.accepted.filter((m) => m.to === '+14155550161')).toHaveLength(0);
    expect(s.resend.accepted.slice(emails).map((m) => m.to.join())).toEqual([expect.stringContaining('lens@a.test')]);
    const failover = testLines().find((l) => l.msg === 'failing over');
    expect(failover).toMatchObject({ channel: 'sms', to: 'email', chain: 'sms → email → in_app', level: 'warn' });
    expect(testLines().find((l) => l.msg === 'delivered' && l.deliveryId === failover?.nextDeliveryId)).toMatchObject({ channel: 'email' });
    // The twilio fake answered 400 {code: 21610} exactly once: no retry of a permanent error.
    expect(s.twilio.requests.slice(smsBefore).filter((r) => r.body.includes('To=%2B14155550161'))).toHaveLength(1);
  });

  it('retries Twilio 20429 (too many requests) and delivers by SMS', async () => {
    s.twilio.failNext(20429, 429);
    const before = s.twilio.accepted.length;
    await emergency('al-2');
    expect(s.twilio.accepted.slice(before).map((m) => m.to)).toEqual(['+14155550161']);
  });

  it('disables a Slack destination that answers 410, and /readyz reports it', async () => {
    s.slack.archive(farHook);
    await paymentFailed('pf-1');
    const disabled = testLines().find((l) => l.msg === 'destination disabled');
    expect(disabled).toMatchObject({ level: 'error', status: 410, alert: true, destination: `slack:${farOrg}` });
    const report = s.app.readiness();
    expect(report.status).toBe('degraded');
    expect(report.components.destinations).toMatchObject({
      state: 'degraded',
      disabled: expect.arrayContaining([expect.objectContaining({ destination: `slack:${farOrg}`, state: 'disabled', reason: expect.stringContaining('410') })]),
    });
    // Nothing more is sent there: the next message for that chat skips the disabled hook at once.
    const posts = s.slack.requests.length;
    await paymentFailed('pf-2');
    expect(s.slack.requests.length).toBe(posts);
    await waitFor(() => testLines().some((l) => l.msg === 'delivery failed permanently' && String(l.reason).includes('destination disabled')));
    expect(JSON.stringify(s.lines)).not.toContain(new URL(farHook).pathname);
  });

  it('keeps a gone Slack destination on while a wedding is in its protected window, and alerts', async () => {
    s.slack.archive(slackHook);
    await emergency('al-3');
    expect(testLines().find((l) => l.msg === 'destination failing during a wedding protected window; kept enabled')).toMatchObject({ alert: true, destination: `slack:${org}` });
    expect(s.app.readiness().components.destinations).toMatchObject({
      disabled: expect.arrayContaining([expect.objectContaining({ destination: `slack:${org}`, state: 'held' })]),
    });
    const posts = s.slack.requests.length;
    await emergency('al-4');
    expect(s.slack.requests.length).toBeGreaterThan(posts);
  });
});
