import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DateTime } from 'luxon';
import { keyEntry } from '../support/connection-keys';
import { insertOrganization, insertStaff, insertWedding } from '../support/fixtures';
import { slackConnections } from '../support/slack-connection';
import { SlackApiFake } from '../support/fakes/slack-api-fake';
import { startStack, type Stack } from '../support/start-stack';
import { waitFor } from '../support/wait-for';

const CONNECTION_KEYS = keyEntry('k1');
let s: Stack;
let slackApi: SlackApiFake;

beforeAll(async () => {
  slackApi = await new SlackApiFake().start();
  s = await startStack({ env: { CONNECTION_KEYS, SLACK_API_URL: slackApi.apiUrl } });
  await s.addReplica();
});
afterAll(async () => {
  await s.close();
  await slackApi.close();
});

describe('a Slack channel per wedding, two replicas running', () => {
  it("two alerts at once: the wedding's channel is created once, both messages posted there, none through the webhook", async () => {
    const hook = s.slack.hookUrl();
    const org = await insertOrganization(s.db.pool, { slackWebhookUrl: hook });
    await slackConnections(s.db.pool, CONNECTION_KEYS).add(org, slackApi.botToken, { weddingChannels: true });
    // The organization's people with a Slack id are invited; the one without is not.
    await insertStaff(s.db.pool, { organizationId: org, role: 'planner', slackUserId: 'U0PLANNER1' });
    await insertStaff(s.db.pool, { organizationId: org, role: 'owner' });
    const date = DateTime.now().plus({ days: 30 }).toISODate()!;
    const wedding = await insertWedding(s.db.pool, { organizationId: org, weddingDate: date });
    for (const id of ['al-ch-1', 'al-ch-2']) {
      s.realtime.emitChange({ table: 'wedding_alerts', type: 'INSERT', record: { id, organization_id: org, wedding_id: wedding, severity: 'emergency', message: 'Officiant stuck in traffic' } });
    }
    const stored = await waitFor(async () => (await s.db.pool.query<{ channel_id: string; channel_name: string }>(`select channel_id, channel_name from wedding_slack_channels where wedding_id = $1`, [wedding])).rows[0], { timeoutMs: 30_000, what: 'the channel row' });
    const posts = await waitFor(() => {
      const found = slackApi.calls('chat.postMessage').filter((c) => c.args.channel === stored.channel_id);
      return found.length >= 2 ? found : null;
    }, { timeoutMs: 30_000, what: 'both messages in the channel' });
    expect(posts).toHaveLength(2);
    expect(stored.channel_name).toBe(`wedding-${date}-${wedding.replace(/-/g, '').slice(0, 8)}`);
    expect(slackApi.requests.filter((r) => r.path === '/api/conversations.create')).toHaveLength(1);
    expect([...slackApi.channels.get(stored.channel_id)!.members]).toEqual(['U0PLANNER1']);
    expect(s.slack.accepted.filter((p) => hook.endsWith(p.hook))).toHaveLength(0);
  }, 60_000);
});
