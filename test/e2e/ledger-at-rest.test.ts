import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DateTime } from 'luxon';
import { insertOrganization, insertRow, insertStaff, insertWebhookEndpoint, insertWedding } from '../support/fixtures';
import { memoryLogger } from '../support/memory-log';
import { startStack, type Stack } from '../support/start-stack';
import { TEST_SECRET } from '../support/test-config';
import { waitFor } from '../support/wait-for';
import { WebhookReceiver } from '../support/webhook-receiver';
import { LedgerRetention } from '../../src/deliver/durable/ledger-retention';

let s: Stack;
let partner: WebhookReceiver;
const DAY = 86_400_000;
beforeAll(async () => {
  s = await startStack({
    worker: {
      rules: [
        {
          name: 'forms-everywhere',
          match: { table: 'form_responses', events: ['INSERT'] },
          kind: 'form.response_received',
          priority: 'critical',
          audiences: [{ type: 'staff' }, { type: 'webhook_endpoints' }],
          channels: ['email', 'sms', 'slack', 'teams', 'in_app'],
        },
      ],
      retention: { deliveredMs: 30 * DAY, deadLetterMs: 90 * DAY, deadEventMs: 90 * DAY, pruneEveryMs: 200 },
    },
  });
  partner = await new WebhookReceiver({ status: 200 }).start();
});
afterAll(async () => {
  await partner.close();
  await s.close();
});

const dump = async () => {
  const tables = ['deliveries', 'destination_health', 'dead_events'];
  const rows = await Promise.all(tables.map(async (t) => (await s.db.pool.query<{ row: string }>(`select row_to_json(x)::text as row from ${t} x`)).rows.map((r) => r.row)));
  return rows.flat().join('\n');
};

describe('the ledger at rest', () => {
  it('keeps no secret, hook URL, email address or phone number, and every channel still gets its message', async () => {
    const slackHook = s.slack.hookUrl();
    const teamsHook = s.teams.hookUrl();
    const org = await insertOrganization(s.db.pool, { slackWebhookUrl: slackHook, teamsWebhookUrl: teamsHook });
    const day = await insertWedding(s.db.pool, { organizationId: org, weddingDate: DateTime.now().plus({ days: 60 }).toISODate()! });
    const email = 'ana.planner@example.com';
    const phone = '+14155550142';
    await insertStaff(s.db.pool, { organizationId: org, email, phone, name: 'Ana Planner' });
    const hookPath = '/crm/private-token-7d1f';
    await insertWebhookEndpoint(s.db.pool, { organizationId: org, name: 'crm', url: `${partner.url}${hookPath}`, secret: TEST_SECRET });
    s.realtime.emitChange({ table: 'form_responses', type: 'INSERT', record: { id: 'fr-at-rest', organization_id: org, wedding_id: day, vendor_id: null } });

    await waitFor(async () => (await s.db.pool.query(`select count(*)::int as n from deliveries where organization_id = $1 and status = 'delivered'`, [org])).rows[0].n === 6, {
      timeoutMs: 20_000,
      what: 'six deliveries delivered (email, sms, in-app, slack, teams, webhook)',
    });
    // Sent with the addresses read back at send time.
    expect(s.resend.accepted.some((m) => m.to.some((to) => to.includes(email)))).toBe(true);
    expect(s.twilio.accepted.some((m) => m.to === phone)).toBe(true);
    expect(s.slack.accepted.some((p) => p.hook === new URL(slackHook).pathname)).toBe(true);
    expect(s.teams.accepted.length).toBeGreaterThan(0);
    expect(partner.requests.filter((r) => r.path === hookPath && typeof r.headers['webhook-signature'] === 'string')).toHaveLength(1);

    const text = await dump();
    expect(text).toContain('fr-at-rest'); // the dump is of the right rows
    for (const secret of [TEST_SECRET, TEST_SECRET.slice('whsec_'.length), hookPath, slackHook, new URL(slackHook).pathname, teamsHook, new URL(teamsHook).pathname, email, phone, phone.slice(1)]) {
      expect(text).not.toContain(secret);
    }
  });

  it('prunes finished rows past their age on its own, and keeps young and pending ones', async () => {
    const insert = (id: string, status: string, finishedDaysAgo: number | null) =>
      insertRow(s.db.pool, 'deliveries', {
        id,
        eventId: `evt_${id}`,
        channel: 'in_app',
        recipient: 'vendor:x',
        destination: 'in_app',
        priority: 'normal',
        status,
        payload: JSON.stringify({ id }),
        createdAt: new Date(Date.now() - 200 * DAY).toISOString(),
        finishedAt: finishedDaysAgo === null ? null : new Date(Date.now() - finishedDaysAgo * DAY).toISOString(),
      });
    await insert('old-delivered', 'delivered', 31);
    await insert('young-delivered', 'delivered', 29);
    await insert('old-dead', 'dead', 91);
    await insert('young-dead', 'dead', 89);
    await insert('old-pending', 'pending', null);
    await s.db.pool.query(`insert into dead_events (event_id, source_table, operation, reason, event, created_at) values
      ('evt-old', 'weddings', 'INSERT', 'organization_not_found', '{}', now() - interval '91 days'),
      ('evt-young', 'weddings', 'INSERT', 'organization_not_found', '{}', now() - interval '89 days')`);

    const left = async () => (await s.db.pool.query<{ id: string }>(`select id from deliveries where id like 'old-%' or id like 'young-%' union all select event_id from dead_events order by 1`)).rows.map((r) => r.id);
    await waitFor(async () => (await left()).length === 4, { timeoutMs: 10_000, what: 'the worker to prune the old rows' });
    expect(await left()).toEqual(['evt-young', 'old-pending', 'young-dead', 'young-delivered']);
  });

  it('judges age by the injected clock, and lets one replica prune at a time', async () => {
    await s.db.pool.query(`insert into dead_events (event_id, source_table, operation, reason, event, created_at) values ('evt-clock', 'weddings', 'INSERT', 'organization_not_found', '{}', now())`);
    const config = { deliveredMs: DAY, deadLetterMs: DAY, deadEventMs: DAY, pruneEveryMs: 60_000 };
    const clockRow = async () => (await s.db.pool.query(`select 1 from dead_events where event_id = 'evt-clock'`)).rows.length;
    const today = new LedgerRetention(s.db.pool, config, memoryLogger().logger, () => Date.now());
    // The worker's own rounds may hold the lock for a moment: a round that got it returns counts.
    await waitFor(() => today.prune(), { what: 'a round of our own' });
    expect(await clockRow()).toBe(1);
    const twoDaysLater = new LedgerRetention(s.db.pool, config, memoryLogger().logger, () => Date.now() + 2 * DAY);
    const holder = await s.db.pool.connect();
    try {
      await holder.query('begin');
      await holder.query(`select pg_advisory_xact_lock(hashtext('wedsync:ledger-retention'))`);
      expect(await twoDaysLater.prune()).toBeNull();
      await holder.query('rollback');
    } finally {
      holder.release();
    }
    await waitFor(() => twoDaysLater.prune(), { what: 'a round two days later' });
    expect(await clockRow()).toBe(0);
  });
});
