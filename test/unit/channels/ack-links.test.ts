import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Agent } from 'undici';
import { renderEmailHtml } from '../../../src/channels/email/email-html';
import { renderEmailText } from '../../../src/channels/email/email-text';
import { createSlackChannel } from '../../../src/channels/slack/slack-channel';
import { renderSmsBody } from '../../../src/channels/sms/sms-body';
import { SLACK_ACK_ACTION } from '../../../src/channels/slack/slack-blocks';
import { createTeamsChannel } from '../../../src/channels/teams/teams-channel';
import { createAckLinks, createAckTokens } from '../../../src/lib/ack-token';
import { SlackFake } from '../../support/fakes/slack-fake';
import { TeamsFake } from '../../support/fakes/teams-fake';
import { sampleContent } from '../../support/notification-content';

const tokens = createAckTokens(randomBytes(32));
const ackLink = createAckLinks({ tokens, publicBaseUrl: 'https://worker.example.com/', ttlMs: 86_400_000 });
const critical = sampleContent({ priority: { level: 'critical', score: 95, reasons: ['emergency'] } });
const context = { signal: new AbortController().signal, attempt: 1, deliveryId: 'dlv_ack_1' };

describe('acknowledge links in critical messages', () => {
  const slack = new SlackFake();
  const teams = new TeamsFake();
  const agent = new Agent();
  beforeAll(() => Promise.all([slack.start(), teams.start()]));
  afterAll(async () => {
    await agent.close();
    await Promise.all([slack.close(), teams.close()]);
  });

  it('signs the delivery and event into a link that expires a TTL after the change, the same on every attempt', () => {
    const link = ackLink('dlv_ack_1', critical)!;
    expect(link.url).toBe(`https://worker.example.com/ack/${link.token}`);
    const verdict = tokens.verify(link.token, Date.parse(critical.occurredAt));
    expect(verdict).toEqual({ ok: true, claim: { deliveryId: 'dlv_ack_1', eventId: critical.eventId, expiresAtMs: Date.parse(critical.occurredAt) + 86_400_000 } });
    expect(ackLink('dlv_ack_1', critical)).toEqual(link);
    expect(ackLink('dlv_ack_1', sampleContent())).toBeNull(); // high: nothing to answer
  });

  it('Slack: an app gets a real Acknowledge button carrying the token; a plain hook a link button', async () => {
    await createSlackChannel({ http: agent, ackLink, interactive: true }).send({ channel: 'slack', webhookUrl: slack.hookUrl(), content: critical }, context);
    await createSlackChannel({ http: agent, ackLink, interactive: false }).send({ channel: 'slack', webhookUrl: slack.hookUrl(), content: critical }, context);
    expect(slack.rejected).toEqual([]);
    const [app, hook] = slack.accepted.map((p) => p.blocks!.at(-1) as { type: string; elements: Record<string, unknown>[] });
    expect(app!.type).toBe('actions');
    expect(app!.elements[0]).toMatchObject({ action_id: SLACK_ACK_ACTION, value: ackLink('dlv_ack_1', critical)!.token });
    expect(hook!.elements[0]).toMatchObject({ url: ackLink('dlv_ack_1', critical)!.url });
  });

  it('Teams and email carry the link; a message below critical carries none', async () => {
    await createTeamsChannel({ http: agent, ackLink }).send({ channel: 'teams', webhookUrl: teams.hookUrl(), content: critical }, context);
    expect(teams.rejected).toEqual([]);
    const actions = (teams.accepted.at(-1)!.card as { actions: { title: string; url: string }[] }).actions;
    expect(actions[0]).toMatchObject({ title: 'Acknowledge', url: ackLink('dlv_ack_1', critical)!.url });
    const url = ackLink('dlv_ack_1', critical)!.url;
    expect(renderEmailHtml(critical, url)).toContain(`href="${url}"`);
    expect(renderEmailText(critical, url)).toContain(url);
    expect(renderEmailHtml(sampleContent())).not.toContain('/ack/');
  });
});

describe('the SMS reply hint', () => {
  it('keeps "Reply OK" whole however long the message, like the link', () => {
    const long = sampleContent({ summary: 'x'.repeat(2_000), priority: { level: 'critical', score: 95, reasons: [] } });
    const body = renderSmsBody(long, 2, 'Reply OK to acknowledge.');
    expect(body.truncated).toBe(true);
    expect(body.segments).toBeLessThanOrEqual(2);
    expect(body.text).toContain('\nReply OK to acknowledge.\nhttps://app.wedsync.example/');
    expect(renderSmsBody(long, 2).text).not.toContain('Reply OK');
  });
});
