import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { keyEntry } from '../support/connection-keys';
import { insertOrganization, insertStaff, insertWedding } from '../support/fixtures';
import { slackConnections } from '../support/slack-connection';
import { SlackApiFake } from '../support/fakes/slack-api-fake';
import { startStack, type Stack } from '../support/start-stack';
import { waitFor } from '../support/wait-for';

const CONNECTION_KEYS = keyEntry('k1');
const DAY = 86_400_000;
/** The worker's injected clock, three days ahead of the machine's: the weddings' dates are counted from it. */
const AHEAD_MS = 3 * DAY;
const now = () => Date.now() + AHEAD_MS;
let s: Stack;
let slackApi: SlackApiFake;

beforeAll(async () => {
  slackApi = await new SlackApiFake().start();
  s = await startStack({ now, env: { CONNECTION_KEYS, SLACK_API_URL: slackApi.apiUrl } });
});
afterAll(async () => {
  await s.close();
  await slackApi.close();
});

const date = new Date(now() + 30 * DAY).toISOString().slice(0, 10);
const alert = (id: string, org: string, wedding: string) =>
  s.realtime.emitChange({ table: 'wedding_alerts', type: 'INSERT', record: { id, organization_id: org, wedding_id: wedding, severity: 'emergency', message: 'Officiant stuck in traffic' } });
const failedPayment = (id: string, org: string) =>
  s.realtime.emitChange({ table: 'payments', type: 'INSERT', record: { id, organization_id: org, wedding_id: null, vendor_id: null, status: 'failed', amount_cents: 120000 } });

describe('Slack through the app alone, the whole worker running', () => {
  it("an organization with the app and no webhook: the wedding's message in its channel, the one about no wedding in its default channel", async () => {
    const org = await insertOrganization(s.db.pool, { slackWebhookUrl: null });
    const ops = slackApi.addChannel('bloom-ops');
    await slackConnections(s.db.pool, CONNECTION_KEYS).add(org, slackApi.botToken, { weddingChannels: true, defaultChannel: ops.id });
    await insertStaff(s.db.pool, { organizationId: org, role: 'owner', slackUserId: 'U0OWNER001' });
    await insertStaff(s.db.pool, { organizationId: org, role: 'finance' });
    const wedding = await insertWedding(s.db.pool, { organizationId: org, weddingDate: date });
    alert('al-app-1', org, wedding);
    failedPayment('pay-app-1', org);
    const stored = await waitFor(async () => (await s.db.pool.query<{ channel_id: string }>(`select channel_id from wedding_slack_channels where wedding_id = $1`, [wedding])).rows[0], { timeoutMs: 30_000, what: 'the channel row' });
    const inWedding = await waitFor(() => slackApi.calls('chat.postMessage').find((c) => c.args.channel === stored.channel_id) ?? null, { timeoutMs: 30_000, what: "the alert in the wedding's channel" });
    const inOps = await waitFor(() => slackApi.calls('chat.postMessage').find((c) => c.args.channel === ops.id) ?? null, { timeoutMs: 30_000, what: 'the payment in the default channel' });
    expect(String(inWedding.args.text)).toMatch(/emergency|Officiant/i);
    expect(String(inOps.args.text)).toMatch(/payment/i);
    // The ledger says both were sent, neither to any hook.
    const sent = await waitFor(async () => {
      const { rows } = await s.db.pool.query<{ status: string }>(`select status from deliveries where channel = 'slack' and organization_id = $1`, [org]);
      return rows.length === 2 && rows.every((r) => r.status === 'delivered') ? rows : null;
    }, { timeoutMs: 30_000, what: 'both Slack deliveries delivered' });
    expect(sent).toHaveLength(2);
    expect(s.slack.accepted).toHaveLength(0);
  }, 60_000);

  it('an organization that only pasted a webhook is unchanged: its messages go through the hook, Slack is not asked', async () => {
    const hook = s.slack.hookUrl();
    const org = await insertOrganization(s.db.pool, { slackWebhookUrl: hook });
    await insertStaff(s.db.pool, { organizationId: org, role: 'finance' });
    const wedding = await insertWedding(s.db.pool, { organizationId: org, weddingDate: date });
    const apiCalls = slackApi.requests.length;
    alert('al-hook-1', org, wedding);
    failedPayment('pay-hook-1', org);
    const posts = await waitFor(() => {
      const found = s.slack.accepted.filter((p) => hook.endsWith(p.hook));
      return found.length >= 2 ? found : null;
    }, { timeoutMs: 30_000, what: 'both messages through the hook' });
    expect(posts).toHaveLength(2);
    expect(slackApi.requests.length).toBe(apiCalls);
  }, 60_000);
});
