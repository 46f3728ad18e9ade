import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { DateTime } from 'luxon';
import { Webhook } from 'standardwebhooks';
import { assignVendor, insertClient, insertOrganization, insertStaff, insertVendor, insertWebhookEndpoint, insertWedding } from '../support/fixtures';
import { startStack, type Stack } from '../support/start-stack';
import { TEST_SECRET } from '../support/test-config';

// Each seed workflow, end to end: a change pushed by the loopback Realtime server, tenant rows in
// the real PostgreSQL, every provider a loopback fake. Each test asserts the exact deliveries
// (channel, recipient, priority) the change caused, and that nothing else went anywhere.
// Each test gets two organizations of its own and counts only what happened since it began, so
// the tests pass in any order and alone.

let s: Stack;
/**
 * The worker's clock, injected: real time shifted so that it reads noon in New York when the file
 * starts. "Today" is then the same day for the fixtures and for every decision, even when the
 * suite runs across midnight; the clock still runs, so the worker's own timers behave.
 */
const clockOffsetMs = DateTime.now().setZone('America/New_York').set({ hour: 12, minute: 0, second: 0, millisecond: 0 }).toMillis() - Date.now();
const now = () => Date.now() + clockOffsetMs;
const nyDate = (days: number) => DateTime.fromMillis(now()).setZone('America/New_York').plus({ days }).toISODate()!;

interface Tenant {
  org: string;
  far: string;
  today: string;
  photographer: string;
  planner: string;
  florist: string;
  couple: [string, string];
  finance: string;
  ownerStaff: string;
  slack: string;
}

/** One organization; `tag` makes its addresses unique, while names stay look-alike across tenants. */
async function tenant(tag: string, slack: string): Promise<Tenant> {
  const db = s.db.pool;
  const org = await insertOrganization(db, { name: 'Harbor Lights', slackWebhookUrl: slack });
  const far = await insertWedding(db, { organizationId: org, coupleName: 'Alex & Sam', weddingDate: nyDate(40) });
  const today = await insertWedding(db, { organizationId: org, coupleName: 'Jo & Kim', weddingDate: nyDate(0) });
  const photographer = await insertVendor(db, { organizationId: org, name: 'Lens & Light', email: `photo@${tag}.test`, phone: tag === 'a' ? '+14155550111' : '+16175550211' });
  const planner = await insertVendor(db, { organizationId: org, name: 'Plan Co', email: `plan@${tag}.test`, phone: tag === 'a' ? '+14155550112' : '+16175550212' });
  const florist = await insertVendor(db, { organizationId: org, name: 'Bloom', email: `bloom@${tag}.test`, phone: null });
  for (const wedding of [far, today]) {
    await assignVendor(db, { organizationId: org, weddingId: wedding, vendorId: photographer, role: 'photographer' });
    await assignVendor(db, { organizationId: org, weddingId: wedding, vendorId: planner, role: 'planner' });
    await assignVendor(db, { organizationId: org, weddingId: wedding, vendorId: florist, role: 'florist' });
  }
  const c1 = await insertClient(db, { organizationId: org, weddingId: far, name: 'Alex', email: `alex@${tag}.test`, phone: tag === 'a' ? '+14155550121' : '+16175550221' });
  const c2 = await insertClient(db, { organizationId: org, weddingId: far, name: 'Sam', email: `sam@${tag}.test`, phone: null });
  await insertClient(db, { organizationId: org, weddingId: today, name: 'Jo', email: `jo@${tag}.test`, phone: tag === 'a' ? '+14155550131' : '+16175550231' });
  const finance = await insertStaff(db, { organizationId: org, name: 'Fin', role: 'finance', email: `finance@${tag}.test`, phone: null });
  const ownerStaff = await insertStaff(db, { organizationId: org, name: 'Owner', role: 'owner', email: `owner@${tag}.test`, phone: tag === 'a' ? '+14155550141' : '+16175550241' });
  await insertWebhookEndpoint(db, { organizationId: org, name: 'crm', url: `${s.receiver.url}/tenant-${tag}`, secret: TEST_SECRET });
  return { org, far, today, photographer, planner, florist, couple: [c1, c2], finance, ownerStaff, slack };
}

let a: Tenant;
let b: Tenant;
/** This test's baselines: decisions and log lines before it began. */
let decidedBefore = 0;
let linesBefore = 0;
let decided = 0;

beforeAll(async () => {
  s = await startStack({ now });
});
afterAll(() => s.close());
beforeEach(async () => {
  a = await tenant('a', s.slack.hookUrl());
  b = await tenant('b', s.slack.hookUrl());
  decidedBefore = s.decidedCount();
  linesBefore = s.lines.length;
  decided = 0;
});
const testLines = () => s.lines.slice(linesBefore);

/** Everything sent to this test's two organizations since `mark()`: "channel:address" strings, sorted. */
function mark() {
  const start = { email: s.resend.accepted.length, sms: s.twilio.accepted.length, slack: s.slack.accepted.length, hooks: s.receiver.requests.length };
  const since = s.db.pool.query<{ at: Date }>('select clock_timestamp() as at');
  return async () => {
    const inApp = await s.db.pool.query<{ recipient_id: string }>('select recipient_id from notifications where organization_id = any($1) and created_at >= $2', [
      [a.org, b.org],
      (await since).rows[0]!.at,
    ]);
    const slackOf = (hook: string) => (hook.includes(new URL(a.slack).pathname) ? 'a' : hook.includes(new URL(b.slack).pathname) ? 'b' : `other ${hook}`);
    return [
      ...s.resend.accepted.slice(start.email).flatMap((m) => m.to.map((to) => `email:${/<([^>]+)>/.exec(to)?.[1] ?? to}`)),
      ...s.twilio.accepted.slice(start.sms).map((m) => `sms:${m.to}`),
      ...s.slack.accepted.slice(start.slack).map((m) => `slack:${slackOf(m.hook)}`),
      ...s.receiver.requests.slice(start.hooks).map((r) => `webhook:${r.path}`),
      ...inApp.rows.map((r) => `in_app:${r.recipient_id}`),
    ].sort();
  };
}

async function push(table: string, type: 'INSERT' | 'UPDATE' | 'DELETE', record: Record<string, unknown>, oldRecord?: Record<string, unknown>) {
  expect(s.realtime.emitChange({ table, type, record, ...(oldRecord ? { oldRecord } : {}) })).toBeGreaterThan(0);
  decided += 1;
  await s.settled(decided, decidedBefore);
}

function lastDecision() {
  return testLines()
    .filter((l) => l.msg === 'change decided')
    .at(-1) as { decisions: { kind: string; priority: string; reasons: string[] }[] } | undefined;
}

describe('seed workflows, end to end', () => {
  it('wedding date change (high) → every vendor and the couple by email and in-app, Slack, the tenant webhook', async () => {
    const sent = mark();
    await push('weddings', 'UPDATE', { id: a.far, organization_id: a.org, wedding_date: nyDate(45) }, { id: a.far, organization_id: a.org, wedding_date: nyDate(40) });
    expect(lastDecision()?.decisions).toEqual([expect.objectContaining({ kind: 'wedding.date_changed', priority: 'high' })]);
    expect(await sent()).toEqual(
      [
        'email:photo@a.test', 'email:plan@a.test', 'email:bloom@a.test', 'email:alex@a.test', 'email:sam@a.test',
        `in_app:${a.photographer}`, `in_app:${a.planner}`, `in_app:${a.florist}`, `in_app:${a.couple[0]}`, `in_app:${a.couple[1]}`,
        'slack:a', 'webhook:/tenant-a',
      ].sort(),
    );
  });

  it('form response (normal) → only the vendor who owns the form', async () => {
    const sent = mark();
    await push('form_responses', 'INSERT', { id: 'f0000000-0000-4000-8000-000000000001', organization_id: a.org, wedding_id: a.far, vendor_id: a.florist, form_name: 'Bouquet' });
    expect(await sent()).toEqual(['email:bloom@a.test', 'webhook:/tenant-a']);
  });

  it('journey milestone (normal) → the couple and the planner', async () => {
    const sent = mark();
    await push('journey_progress', 'UPDATE', { id: 'j1', organization_id: a.org, wedding_id: a.far, milestone: 'Menu tasting', status: 'completed' }, { id: 'j1', status: 'pending' });
    expect(await sent()).toEqual(['email:alex@a.test', 'email:plan@a.test', 'email:sam@a.test', 'webhook:/tenant-a']);
  });

  it('payment failed (high) → the vendor and finance by email and in-app, Slack, tenant and archive webhooks', async () => {
    const sent = mark();
    await push('payments', 'UPDATE', { id: 'p1', organization_id: a.org, wedding_id: a.far, vendor_id: a.photographer, status: 'failed', amount_cents: 125000, currency: 'USD' }, { id: 'p1', status: 'pending' });
    expect(lastDecision()?.decisions.map((d) => d.priority)).toContain('high');
    expect(await sent()).toEqual(
      ['email:finance@a.test', 'email:photo@a.test', `in_app:${a.finance}`, `in_app:${a.photographer}`, 'slack:a', 'webhook:/archive', 'webhook:/tenant-a'].sort(),
    );
  });

  it('payment received (normal) → the vendor and finance by email, and the webhooks', async () => {
    const sent = mark();
    await push('payments', 'UPDATE', { id: 'p2', organization_id: a.org, wedding_id: a.far, vendor_id: a.photographer, status: 'received', amount_cents: 500 }, { id: 'p2', status: 'pending' });
    expect(await sent()).toEqual(['email:finance@a.test', 'email:photo@a.test', 'webhook:/archive', 'webhook:/tenant-a']);
  });

  it('timeline update → the vendors it affects', async () => {
    const sent = mark();
    await push('timeline_events', 'UPDATE', { id: 't1', organization_id: a.org, wedding_id: a.far, title: 'First look', vendor_ids: [a.photographer, a.florist] }, { id: 't1' });
    expect(await sent()).toEqual(['email:bloom@a.test', 'email:photo@a.test', 'webhook:/tenant-a']);
  });

  it('client profile update (low) → the assigned vendors in-app', async () => {
    const sent = mark();
    await push('clients', 'UPDATE', { id: a.couple[0], organization_id: a.org, wedding_id: a.far, name: 'Alex', phone: '+14155550122' }, { id: a.couple[0], phone: '+14155550121' });
    expect(await sent()).toEqual([`in_app:${a.florist}`, `in_app:${a.photographer}`, `in_app:${a.planner}`].sort());
  });

  it('emergency on the wedding day (critical) → everyone on the wedding by SMS and Slack; no phone fails over to email', async () => {
    const sent = mark();
    await push('wedding_alerts', 'INSERT', { id: 'al1', organization_id: a.org, wedding_id: a.today, severity: 'emergency', message: 'Storm: ceremony moves indoors' });
    expect(lastDecision()?.decisions[0]).toMatchObject({ kind: 'wedding.emergency', priority: 'critical' });
    expect(await sent()).toEqual(
      [
        'sms:+14155550111', 'sms:+14155550112', 'email:bloom@a.test', // the florist has no phone
        'sms:+14155550131', // the couple of today's wedding
        'sms:+14155550141', // the owner (staff); finance is not on the emergency rule
        'slack:a',
      ].sort(),
    );
  });

  it('uses a vendor phone number changed in the database for the next message, without a restart', async () => {
    await s.db.pool.query('update vendors set phone = $1 where id = $2', ['+14155550999', a.photographer]);
    await push('vendors', 'UPDATE', { id: a.photographer, organization_id: a.org, phone: '+14155550999' }, { id: a.photographer });
    const sent = mark();
    await push('wedding_alerts', 'INSERT', { id: 'al2', organization_id: a.org, wedding_id: a.today, severity: 'emergency', message: 'Power cut' });
    const to = await sent();
    expect(to).toContain('sms:+14155550999');
    expect(to).not.toContain('sms:+14155550111');
  });

  it('keeps a change for a wedding that does not exist as a dead letter with the reason', async () => {
    const sent = mark();
    await push('form_responses', 'INSERT', { id: 'f2', organization_id: a.org, wedding_id: '99999999-9999-4999-8999-999999999999', vendor_id: a.florist });
    expect(await sent()).toEqual([]);
    expect((await s.app.deadEvents.recent()).at(-1)).toMatchObject({ table: 'form_responses', reason: expect.stringContaining('wedding_not_found') });
    expect(testLines().filter((l) => l.msg === 'change not decidable: context missing')).toEqual([expect.objectContaining({ level: 'error', deadLetter: true })]);
  });

  it('keeps the other look-alike organization entirely apart', async () => {
    const sent = mark();
    await push('weddings', 'UPDATE', { id: b.far, organization_id: b.org, wedding_date: nyDate(46) }, { id: b.far, organization_id: b.org, wedding_date: nyDate(40) });
    const to = await sent();
    expect(to.length).toBe(12);
    expect(to.filter((x) => x.includes('a.test') || x.endsWith(':a') || x.includes('tenant-a') || [a.photographer, a.planner, a.florist, ...a.couple].some((id) => x.includes(id)))).toEqual([]);
    // A change naming B's wedding under A's organization id is refused, not routed.
    const crossed = mark();
    await push('form_responses', 'INSERT', { id: 'f3', organization_id: a.org, wedding_id: b.far, vendor_id: b.florist });
    expect(await crossed()).toEqual([]);
    expect((await s.app.deadEvents.recent()).at(-1)?.reason).toContain('wedding_in_other_organization');
  });

  it('signs tenant webhooks with the endpoint secret and names the kind and priority in the body', async () => {
    const before = s.receiver.requests.length;
    await push('weddings', 'UPDATE', { id: a.far, organization_id: a.org, wedding_date: nyDate(44) }, { id: a.far, organization_id: a.org, wedding_date: nyDate(40) });
    const request = s.receiver.requests.slice(before).find((r) => r.path === '/tenant-a');
    expect(request).toBeDefined();
    const headers = request!.headers as Record<string, string>;
    // The reference verifier accepts it with the endpoint's secret, and only with that one.
    const body = new Webhook(TEST_SECRET).verify(request!.body, headers) as { type: string; data: { priority: { level: string; reasons: string[] }; organization_id: string } };
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 8).toString('base64')}`).verify(request!.body, headers)).toThrow();
    expect(body.type).toBe('wedding.date_changed');
    expect(body.data.organization_id).toBe(a.org);
    expect(body.data.priority.level).toBe('high');
    expect(body.data.priority.reasons.length).toBeGreaterThan(0);
  });

  it('logs deliveries to people with masked addresses, and no secret anywhere', async () => {
    await push('wedding_alerts', 'INSERT', { id: 'al-log', organization_id: a.org, wedding_id: a.today, severity: 'emergency', message: 'Generator failed' });
    const sms = testLines().find((l) => l.msg === 'delivered' && l.channel === 'sms');
    const email = testLines().find((l) => l.msg === 'delivered' && l.channel === 'email');
    expect(sms?.to).toMatch(/^\+1415\*+\d\d$/);
    expect(email?.to).toMatch(/^[a-z]\*\*\*@a\.test$/);
    const text = JSON.stringify(s.lines);
    for (const secret of ['+14155550111', 'photo@a.test', 'bloom@a.test', TEST_SECRET.slice(6), s.resend.apiKey, s.twilio.authToken, new URL(a.slack).pathname]) {
      expect(text).not.toContain(secret);
    }
  });
});
