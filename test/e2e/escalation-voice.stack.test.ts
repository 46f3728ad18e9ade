import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import { assignVendor, insertOrganization, insertStaff, insertVendor, insertWedding } from '../support/fixtures';
import { startStack, type Stack } from '../support/start-stack';
import { waitFor } from '../support/wait-for';

// Tier 1 is the first message; the planner is tier 2 by SMS, the owner tier 3 by a voice call.
const escalation = {
  policies: [{ name: 'critical', levels: ['critical'], afterMs: 1_800_000, weddingDayAfterMs: 300_000, tiers: [{ roles: ['planner'], channel: 'sms' }, { roles: ['owner'], channel: 'voice' }] }],
};
let s: Stack;

beforeAll(async () => {
  // The injected clock runs one wait (and a minute) behind: every timer it arms is due at once, no sleeps.
  s = await startStack({ now: () => Date.now() - 31 * 60_000, worker: { escalation }, env: { PUBLIC_HOST: '127.0.0.1', PUBLIC_PORT: '0', PUBLIC_BASE_URL: 'https://worker.example.com', ACK_LINK_KEY: randomBytes(32).toString('base64') } });
});
afterAll(async () => {
  await s.close();
});

describe('a critical alert nobody acknowledges, under planner by SMS then owner by voice', () => {
  it('texts the planner, then calls the owner, each once, through the normal durable path', async () => {
    const org = await insertOrganization(s.db.pool, { slackWebhookUrl: s.slack.hookUrl() });
    const wedding = await insertWedding(s.db.pool, { organizationId: org, weddingDate: DateTime.now().plus({ days: 30 }).toISODate()! });
    const vendor = await insertVendor(s.db.pool, { organizationId: org, phone: '+14155553001' });
    await assignVendor(s.db.pool, { organizationId: org, weddingId: wedding, vendorId: vendor, role: 'photographer' });
    const plannerPhone = '+14155553002';
    const ownerPhone = '+14155553003';
    await insertStaff(s.db.pool, { organizationId: org, role: 'planner', phone: plannerPhone });
    await insertStaff(s.db.pool, { organizationId: org, role: 'owner', phone: ownerPhone });

    s.realtime.emitChange({ table: 'wedding_alerts', type: 'INSERT', record: { id: 'al-voice-1', organization_id: org, wedding_id: wedding, severity: 'emergency', message: 'Officiant stuck in traffic' } });
    const tiers = async () =>
      (await s.db.pool.query<{ id: string; recipient: string; status: string; voice: boolean | null }>(
        `select id, recipient, status, (payload->'message'->>'voice')::boolean as voice from deliveries where organization_id = $1 and payload->'log'->>'rule' = 'escalation:critical' order by created_at, id`,
        [org],
      )).rows;
    await waitFor(async () => (await s.db.pool.query(`select 1 from escalations where organization_id = $1 and state = 'exhausted'`, [org])).rowCount === 1, { timeoutMs: 30_000, what: 'both tiers reached' });
    await waitFor(async () => {
      const rows = await tiers();
      return rows.length === 2 && rows.every((r) => r.status === 'delivered');
    }, { timeoutMs: 30_000, what: 'both tier deliveries delivered' });

    const rows = await tiers();
    expect(rows.map((r) => r.voice)).toEqual([null, true]);
    expect(new Set(rows.map((r) => r.id)).size).toBe(2);
    const toOwner = s.twilio.accepted.filter((m) => m.to === ownerPhone);
    const toPlanner = s.twilio.accepted.filter((m) => m.to === plannerPhone);
    // The shipped rule already texts the staff once; escalation adds one SMS to the planner and one call to the owner.
    expect(toPlanner.filter((m) => m.resource === 'call')).toHaveLength(0);
    expect(toPlanner.filter((m) => m.resource === 'message')).toHaveLength(2);
    expect(toOwner.filter((m) => m.resource === 'call')).toHaveLength(1);
    expect(toOwner.filter((m) => m.resource === 'message')).toHaveLength(1);
    const call = toOwner.find((m) => m.resource === 'call')!;
    expect(call.from).toBe('+14155550199');
    expect(call.twiml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?><Response><Say>WedSync urgent alert\./);
    expect(call.body).not.toMatch(/\+1415|https?:/);
    expect((await s.db.pool.query(`select tier, state from escalations where organization_id = $1`, [org])).rows[0]).toEqual({ tier: 2, state: 'exhausted' });
  }, 60_000);
});
