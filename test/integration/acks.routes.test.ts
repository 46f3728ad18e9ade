import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import type { NotificationContent } from '../../src/channels/messages';
import { ackLinkRoutes } from '../../src/ack/ack-link-route';
import { SLACK_ACK_ACTION } from '../../src/ack/slack-ack-blocks';
import { slackInteractionsRoute } from '../../src/ack/slack-interactions-route';
import { createSlackUpdater } from '../../src/ack/slack-updater';
import { createSlackWebClient } from '../../src/channels/slack-app/slack-web-client';
import { TWILIO_INBOUND_PATH, twilioInboundRoute } from '../../src/ack/twilio-inbound-route';
import { createPublicServer, type PublicServer } from '../../src/outcome/public-server';
import { createAckStand, PHONES, type AckStand } from '../support/ack-stand';
import { SlackApiFake } from '../support/fakes/slack-api-fake';
import { memoryLogger } from '../support/memory-log';
import { waitFor } from '../support/wait-for';

const SIGNING_SECRET = 'slack-signing-secret-for-tests-0001';
const TWILIO_TOKEN = 'fake_twilio_auth_token_0001';
const PUBLIC_BASE = 'https://worker.example.com';

let stand: AckStand;
let slackApi: SlackApiFake;
let server: PublicServer;
let base: string;
/** The injected clock every route reads. */
const nowMs = Date.now();

beforeAll(async () => {
  [stand, slackApi] = await Promise.all([createAckStand('ackr'), new SlackApiFake().start()]);
  const { logger } = memoryLogger();
  const now = () => nowMs;
  // Every organization here is in the fake's default workspace (per-organization tokens: slack-app-orgs.test.ts).
  const client = createSlackWebClient({ token: slackApi.botToken, apiUrl: slackApi.apiUrl, logger });
  const updater = createSlackUpdater({ forOrganization: async () => ({ connection: {} as never, client, weddingChannels: false }), refused: async () => undefined });
  server = createPublicServer({
    host: '127.0.0.1',
    port: 0,
    routes: [
      slackInteractionsRoute({ signingSecret: SIGNING_SECRET, tokens: stand.tokens, store: stand.acks, updater, logger, now }),
      twilioInboundRoute({ authToken: TWILIO_TOKEN, publicBaseUrl: PUBLIC_BASE, store: stand.acks, logger, now }),
      ...ackLinkRoutes({ tokens: stand.tokens, store: stand.acks, logger, now }),
    ],
  });
  base = `http://127.0.0.1:${await server.listen()}`;
});
afterAll(async () => {
  await server.close();
  await slackApi.close();
  await stand.close();
});

const acksOf = (eventId: string) => stand.count(`select 1 from acknowledgements where event_id = $1`, [eventId]);
const tokenFor = (d: { id: string; eventId: string }, ttlMs = 3_600_000) => stand.tokens.sign({ deliveryId: d.id, eventId: d.eventId, expiresAtMs: nowMs + ttlMs });

/** What Slack POSTs for a button click, signed the way Slack documents (computed here independently). */
function slackClick(token: string, message: { channel: string; ts: string }, opts: { secret?: string; ageMs?: number } = {}) {
  const payload = {
    type: 'block_actions',
    user: { id: 'U0PLANNER1', username: 'rosa', name: 'rosa' },
    channel: { id: message.channel },
    container: { type: 'message', channel_id: message.channel, message_ts: message.ts },
    message: { ts: message.ts, blocks: [{ type: 'header', text: { type: 'plain_text', text: 'URGENT: officiant stuck' } }, { type: 'actions', elements: [{ type: 'button', action_id: SLACK_ACK_ACTION, value: token }] }] },
    actions: [{ type: 'button', action_id: SLACK_ACK_ACTION, value: token }],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const ts = String(Math.floor((nowMs - (opts.ageMs ?? 0)) / 1000));
  const signature = `v0=${createHmac('sha256', opts.secret ?? SIGNING_SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  return fetch(`${base}/slack/interactions`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': signature }, body });
}

/** Twilio's signature, computed as providers.md §2 describes: base64 HMAC-SHA1 over URL + sorted key/values. */
function twilioPost(params: Record<string, string>, token = TWILIO_TOKEN) {
  const data = Object.keys(params).sort().map((k) => `${k}${params[k]}`).join('');
  const signature = createHmac('sha1', token).update(`${PUBLIC_BASE}${TWILIO_INBOUND_PATH}${data}`).digest('base64');
  return fetch(`${base}${TWILIO_INBOUND_PATH}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(params).toString() });
}

describe('Slack interactions', () => {
  it('refuses a forged and a six-minute-old request, and records nothing', async () => {
    const e = await stand.criticalEvent();
    const message = slackApi.post();
    expect((await slackClick(tokenFor(e.slack), message, { secret: 'not-the-signing-secret-000' })).status).toBe(401);
    expect((await slackClick(tokenFor(e.slack), message, { ageMs: 6 * 60_000 })).status).toBe(401);
    expect(await acksOf(e.eventId)).toBe(0);
    expect(slackApi.accepted).toHaveLength(0);
  });

  it('a signed click records the acknowledgement once, cancels the escalation and updates the message', async () => {
    const e = await stand.criticalEvent();
    await stand.escalations.track(stand.db.pool, { eventId: e.eventId, organizationId: stand.organizationId, weddingId: stand.weddingId, kind: 'wedding.emergency', priority: 'critical', policy: 'critical', content: (e.slack.message as { content: NotificationContent }).content, dueAtMs: nowMs + 300_000, nowMs });
    const message = slackApi.post();
    const first = await slackClick(tokenFor(e.slack), message);
    expect(first.status).toBe(200);
    expect((await slackClick(tokenFor(e.slack), message)).status).toBe(200);
    expect(await acksOf(e.eventId)).toBe(1);
    const row = (await stand.db.pool.query(`select channel, actor, actor_name from acknowledgements where event_id = $1`, [e.eventId])).rows[0];
    expect(row).toEqual({ channel: 'slack', actor: 'slack:U0PLANNER1', actor_name: 'rosa' });
    expect((await stand.db.pool.query(`select state from escalations where event_id = $1`, [e.eventId])).rows[0]).toEqual({ state: 'acknowledged' });
    expect(await stand.count(`select 1 from "${stand.gwSchema}".jobs where key = $1`, [`escalate:${e.eventId}`])).toBe(0);

    const updates = await waitFor(() => (slackApi.accepted.filter((c) => c.args.ts === message.ts).length >= 2 ? slackApi.accepted.filter((c) => c.args.ts === message.ts) : null), { what: 'chat.update for both clicks' });
    expect(slackApi.rejected).toHaveLength(0);
    for (const update of updates) {
      expect(update.method).toBe('chat.update');
      expect(update.args.text).toMatch(/^Acknowledged by <@U0PLANNER1> at \d{4}-/);
      const blocks = update.args.blocks as { type: string }[];
      expect(blocks.map((b) => b.type)).toEqual(['header', 'context']); // the button is gone
    }
  });

  it('a message the fake does not know gets Slack\'s error, and the acknowledgement still stands', async () => {
    const e = await stand.criticalEvent();
    expect((await slackClick(tokenFor(e.slack), { channel: 'C0UNKNOWN1', ts: '1.000001' })).status).toBe(200);
    await waitFor(() => slackApi.rejected.some((r) => r.problems.some((p) => p.includes('C0UNKNOWN1'))), { what: 'channel_not_found from the fake' });
    expect(await acksOf(e.eventId)).toBe(1);
  });
});

describe('Twilio inbound SMS', () => {
  it('refuses a bad signature and changes nothing', async () => {
    const e = await stand.criticalEvent();
    const response = await twilioPost({ From: PHONES.vendor, To: '+14155550100', Body: 'OK', MessageSid: 'SM1' }, 'wrong_token_wrong_token');
    expect(response.status).toBe(403);
    expect(await acksOf(e.eventId)).toBe(0);
  });

  it('"OK" acknowledges the newest unanswered critical SMS to that number; STOP opts the person out of SMS', async () => {
    const older = await stand.criticalEvent();
    const newer = await stand.criticalEvent();
    const ok = await twilioPost({ From: PHONES.vendor, To: '+14155550100', Body: ' ok ', MessageSid: 'SM2' });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('<Message>Acknowledged. Thank you.</Message>');
    expect(await acksOf(newer.eventId)).toBe(1);
    expect(await acksOf(older.eventId)).toBe(0);
    expect((await stand.db.pool.query(`select channel, actor from acknowledgements where event_id = $1`, [newer.eventId])).rows[0]).toEqual({ channel: 'sms', actor: `vendor:${stand.vendorId}` });

    expect((await twilioPost({ From: PHONES.vendor, To: '+14155550100', Body: 'STOP', MessageSid: 'SM3' })).status).toBe(200);
    const prefs = await stand.db.pool.query(`select opt_out_channels from notification_preferences where person_kind = 'vendor' and person_id = $1`, [stand.vendorId]);
    expect(prefs.rows[0]).toEqual({ opt_out_channels: ['sms'] });
  });
});

describe('acknowledge links', () => {
  it('GET only shows the page; POST acknowledges once; a reused, expired or forged link is refused and changes nothing', async () => {
    const e = await stand.criticalEvent();
    const token = tokenFor(e.email);
    const page = await fetch(`${base}/ack/${token}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post"');
    expect(await acksOf(e.eventId)).toBe(0);

    const used = await fetch(`${base}/ack/${token}`, { method: 'POST' });
    expect(used.status).toBe(200);
    expect((await stand.db.pool.query(`select channel, actor from acknowledgements where event_id = $1`, [e.eventId])).rows[0]).toEqual({ channel: 'email', actor: `staff:${stand.ownerId}` });
    const before = (await stand.db.pool.query(`select acknowledged_at from acknowledgements where event_id = $1`, [e.eventId])).rows[0];
    expect((await fetch(`${base}/ack/${token}`, { method: 'POST' })).status).toBe(410);

    const other = await stand.criticalEvent();
    const expired = tokenFor(other.email, -1);
    expect((await fetch(`${base}/ack/${expired}`, { method: 'POST' })).status).toBe(410);
    const forged = `${expired.split('.')[0]}.${'A'.repeat(43)}`;
    expect((await fetch(`${base}/ack/${forged}`, { method: 'POST' })).status).toBe(404);
    expect(await acksOf(other.eventId)).toBe(0);
    expect((await stand.db.pool.query(`select acknowledged_at from acknowledgements where event_id = $1`, [e.eventId])).rows[0]).toEqual(before);
  });

  it('a body over the bound is refused before it is read, and unknown paths are 404', async () => {
    const big = await fetch(`${base}/slack/interactions`, { method: 'POST', body: 'x'.repeat(300 * 1024) }).catch(() => null);
    expect(big === null || big.status === 413).toBe(true);
    expect((await fetch(`${base}/status`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
  });
});
