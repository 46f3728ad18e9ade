import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DateTime } from 'luxon';
import { SLACK_ACK_ACTION } from '../../src/channels/slack/slack-blocks';
import { assignVendor, insertOrganization, insertStaff, insertVendor, insertWedding } from '../support/fixtures';
import { SlackApiFake } from '../support/fakes/slack-api-fake';
import { keyEntry } from '../support/connection-keys';
import { slackConnections } from '../support/slack-connection';
import { startStack, type Stack } from '../support/start-stack';
import { waitFor } from '../support/wait-for';

const SIGNING_SECRET = 'stack-slack-signing-secret-01';
const CONNECTION_KEYS = keyEntry('k1');
let s: Stack;
let slackApi: SlackApiFake;
/** How far the worker's injected clock runs behind: one wait, and every timer it arms is due at once. */
let behindMs = 0;

beforeAll(async () => {
  slackApi = await new SlackApiFake().start();
  const shipped = JSON.parse(readFileSync(resolve(__dirname, '../../config/worker.example.json'), 'utf8')) as { escalation: unknown };
  s = await startStack({
    now: () => Date.now() - behindMs,
    worker: { escalation: shipped.escalation },
    env: {
      PUBLIC_HOST: '127.0.0.1',
      PUBLIC_PORT: '0',
      PUBLIC_BASE_URL: 'https://worker.example.com',
      ACK_LINK_KEY: randomBytes(32).toString('base64'),
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      CONNECTION_KEYS: CONNECTION_KEYS,
      SLACK_API_URL: slackApi.apiUrl,
    },
  });
});
afterAll(async () => {
  await s.close();
  await slackApi.close();
});

let n = 0;
async function organization() {
  n += 1;
  const hook = s.slack.hookUrl();
  const org = await insertOrganization(s.db.pool, { slackWebhookUrl: hook });
  // The organization's Slack app: its bot token updates the acknowledged message.
  await slackConnections(s.db.pool, CONNECTION_KEYS).add(org, slackApi.botToken);
  const wedding = await insertWedding(s.db.pool, { organizationId: org, weddingDate: DateTime.now().plus({ days: 30 }).toISODate()! });
  const vendorPhone = `+1415555${String(2000 + n * 10)}`;
  const plannerPhone = `+1415555${String(2001 + n * 10)}`;
  const ownerPhone = `+1415555${String(2002 + n * 10)}`;
  const vendor = await insertVendor(s.db.pool, { organizationId: org, phone: vendorPhone });
  await assignVendor(s.db.pool, { organizationId: org, weddingId: wedding, vendorId: vendor, role: 'photographer' });
  await insertStaff(s.db.pool, { organizationId: org, role: 'planner', phone: plannerPhone });
  await insertStaff(s.db.pool, { organizationId: org, role: 'owner', phone: ownerPhone });
  return { org, wedding, hook, vendorPhone, plannerPhone, ownerPhone };
}

const texted = (to: string) => s.twilio.accepted.filter((m) => m.to === to && m.resource === 'message').length;
const called = (to: string) => s.twilio.accepted.filter((m) => m.to === to && m.resource === 'call').length;
const escalationOf = async (org: string) => (await s.db.pool.query<{ event_id: string; tier: number; state: string }>(`select event_id, tier, state from escalations where organization_id = $1`, [org])).rows;

describe('a critical alert under the shipped policy: text the planner, then call the owner', () => {
  it('nobody answers: the planner is texted, then the owner called, each tier once, through the normal durable path', async () => {
    const o = await organization();
    behindMs = 31 * 60_000;
    s.realtime.emitChange({ table: 'wedding_alerts', type: 'INSERT', record: { id: `al-esc-${n}`, organization_id: o.org, wedding_id: o.wedding, severity: 'emergency', message: 'Officiant stuck in traffic' } });
    await waitFor(async () => (await escalationOf(o.org))[0]?.state === 'exhausted', { timeoutMs: 30_000, what: 'both tiers reached' });
    // The example rule already texts the organization's staff; tier 1 texts the planner once more, tier 2 calls the owner.
    const tiers = async () => (await s.db.pool.query<{ recipient: string; status: string }>(`select recipient, status from deliveries where organization_id = $1 and payload->'log'->>'rule' = 'escalation:critical' order by recipient`, [o.org])).rows;
    await waitFor(async () => (await tiers()).every((r) => r.status === 'delivered') && (await tiers()).length === 2, { timeoutMs: 30_000, what: 'both tier deliveries delivered' });
    expect(texted(o.plannerPhone)).toBe(2);
    expect(called(o.plannerPhone)).toBe(0);
    expect(texted(o.ownerPhone)).toBe(1);
    expect(called(o.ownerPhone)).toBe(1);
    expect(texted(o.vendorPhone)).toBe(1);
    expect((await escalationOf(o.org))[0]).toMatchObject({ tier: 2, state: 'exhausted' });
    const metrics = await (await fetch(`${s.healthUrl}/metrics`)).text();
    expect(metrics).toMatch(/wedsync_escalations_total\{tier="1"\} [1-9]/);
    expect(metrics).toMatch(/wedsync_unacknowledged_messages\{tier="2",state="exhausted"\} 1/);
  }, 60_000);

  it('an acknowledgement by the Slack button before the timeout: no escalation, and the message says who', async () => {
    const o = await organization();
    behindMs = 0;
    s.realtime.emitChange({ table: 'wedding_alerts', type: 'INSERT', record: { id: `al-esc-${n}`, organization_id: o.org, wedding_id: o.wedding, severity: 'emergency', message: 'Officiant stuck in traffic' } });
    const post = await waitFor(() => s.slack.accepted.find((p) => o.hook.endsWith(p.hook)), { timeoutMs: 30_000, what: 'the Slack message' });
    const button = (post.blocks!.at(-1) as { elements: { action_id: string; value: string }[] }).elements[0]!;
    expect(button.action_id).toBe(SLACK_ACK_ACTION);
    const [escalation] = await waitFor(async () => ((await escalationOf(o.org)).length ? escalationOf(o.org) : null), { what: 'the escalation armed' });
    expect(escalation).toMatchObject({ tier: 0, state: 'waiting' });

    const message = slackApi.post();
    const body = new URLSearchParams({
      payload: JSON.stringify({ type: 'block_actions', user: { id: 'U0PLANNER9', name: 'rosa' }, channel: { id: message.channel }, message: { ts: message.ts, blocks: post.blocks }, actions: [{ action_id: SLACK_ACK_ACTION, value: button.value }] }),
    }).toString();
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
    const response = await fetch(`http://127.0.0.1:${s.app.publicPort()}/slack/interactions`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': signature }, body });
    expect(response.status).toBe(200);

    expect((await escalationOf(o.org))[0]).toMatchObject({ state: 'acknowledged', tier: 0 });
    const gw = `${s.db.schema}_gw`;
    expect((await s.db.pool.query(`select count(*)::int as n from "${gw}".jobs where key = $1`, [`escalate:${escalation!.event_id}`])).rows[0]).toEqual({ n: 0 });
    const update = await waitFor(() => slackApi.accepted.find((c) => c.args.ts === message.ts), { what: 'chat.update' });
    expect(update.args.text).toMatch(/^Acknowledged by <@U0PLANNER9> at /);
    expect((await s.db.pool.query(`select count(*)::int as n from deliveries where event_id = $1 and payload->'log'->>'rule' like 'escalation:%'`, [escalation!.event_id])).rows[0]).toEqual({ n: 0 });
  }, 60_000);
});
