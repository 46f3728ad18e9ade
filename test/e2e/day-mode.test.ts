import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DateTime } from 'luxon';
import { assignVendor, insertClient, insertOrganization, insertPreferences, insertVendor, insertWedding } from '../support/fixtures';
import { startStack, type Stack } from '../support/start-stack';
import { waitFor } from '../support/wait-for';

// Two weddings of one organization on the same night, each vendor inside their quiet hours: the
// wedding in its day mode reaches its vendor at once; the other wedding's vendor still waits.

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s?.close());

const ZONE = 'America/New_York';

describe('wedding-day mode, per wedding', () => {
  it('sends a message about a wedding in day mode during its people’s quiet hours at once, and still defers another wedding’s people the same night', async () => {
    const db = s.db.pool;
    const org = await insertOrganization(db, { slackWebhookUrl: null });
    const now = DateTime.now().setZone(ZONE);
    const dayWedding = await insertWedding(db, { organizationId: org, weddingDate: now.toISODate()!, timeZone: ZONE });
    const otherWedding = await insertWedding(db, { organizationId: org, weddingDate: now.plus({ days: 20 }).toISODate()!, timeZone: ZONE });
    // Quiet hours around this very moment, wherever the clock is.
    const quiet = { quietHoursStart: now.minus({ hours: 1 }).toFormat('HH:mm'), quietHoursEnd: now.plus({ hours: 2 }).toFormat('HH:mm'), timeZone: ZONE };
    const dayVendor = await insertVendor(db, { organizationId: org, email: 'day@mode.test' });
    const otherVendor = await insertVendor(db, { organizationId: org, email: 'other@mode.test' });
    await assignVendor(db, { organizationId: org, weddingId: dayWedding, vendorId: dayVendor });
    await assignVendor(db, { organizationId: org, weddingId: otherWedding, vendorId: otherVendor });
    await insertPreferences(db, { organizationId: org, personKind: 'vendor', personId: dayVendor, ...quiet });
    await insertPreferences(db, { organizationId: org, personKind: 'vendor', personId: otherVendor, ...quiet });
    const client = await insertClient(db, { organizationId: org, weddingId: dayWedding });

    // A profile tweak on the day (low, raised to normal: email) and a form response for the other
    // wedding (normal: email). Both ordinary; only day mode tells them apart.
    s.realtime.emitChange({ table: 'clients', type: 'UPDATE', record: { id: client, organization_id: org, wedding_id: dayWedding, name: 'Ana' }, oldRecord: { id: client, name: 'Anna' } });
    s.realtime.emitChange({ table: 'form_responses', type: 'INSERT', record: { id: 'fr-other', organization_id: org, wedding_id: otherWedding, vendor_id: otherVendor, form_name: 'Menu' } });
    // Not `settled`: the deferred delivery keeps the worker busy until the quiet hours end.
    await waitFor(() => s.lines.filter((l) => l.msg === 'change decided').length >= 2, { what: 'both changes decided' });
    const delivered = async () => (await db.query(`select 1 from deliveries where recipient = $1 and status = 'delivered'`, [`vendor:${dayVendor}`])).rows.length;
    await waitFor(async () => (await delivered()) > 0, { what: 'the day-mode email delivered' });

    expect(s.resend.accepted.map((m) => m.to.join())).toEqual([expect.stringContaining('<day@mode.test>')]);
    const { rows } = await db.query<{ id: string; recipient: string; status: string; wait_s: number | null }>(
      `select id, recipient, status, extract(epoch from not_before - now())::float8 as wait_s from deliveries where channel = 'email' order by recipient`,
    );
    const notes = new Map(s.lines.filter((l) => l.msg === 'preferences applied').map((l) => [l.deliveryId, l.notes]));
    const byRecipient = Object.fromEntries(rows.map((r) => [r.recipient, { status: r.status, deferred: (r.wait_s ?? 0) > 3_600, notes: notes.get(r.id) }]));
    expect(byRecipient).toEqual({
      [`vendor:${dayVendor}`]: { status: 'delivered', deferred: false, notes: ['quiet hours lifted: wedding-day mode'] },
    });
    // The other wedding's vendor keeps their quiet hours: the message waits for their morning digest.
    const held = await db.query<{ id: string; wait_s: number }>(`select id, extract(epoch from window_end - now())::float8 as wait_s from digest_items where recipient = $1 and digest_id is null`, [`vendor:${otherVendor}`]);
    expect(held.rows).toEqual([{ id: expect.any(String), wait_s: expect.any(Number) }]);
    expect(held.rows[0]!.wait_s).toBeGreaterThan(3_600);
    expect(notes.get(held.rows[0]!.id)).toEqual([expect.stringMatching(/^held for the digest at .*: quiet hours$/)]);

    // Visible to the person on call: the wedding, by id, marked as in day mode.
    const page = await (await fetch(`${s.healthUrl}/status`)).text();
    expect(page).toMatch(new RegExp(`data-wedding="${dayWedding}"[^]*?data-day-mode="true"`));
    expect(page).not.toContain(`data-wedding="${otherWedding}"`);
  });
});
