import { randomUUID } from 'node:crypto';
import type { Channel } from '../../src/channels/channel';
import type { SlackMessage } from '../../src/channels/messages';
import { createSlackAppChannel } from '../../src/channels/slack-app/slack-app-channel';
import type { SlackApp } from '../../src/channels/slack-app/slack-apps';
import { createSlackWebClient } from '../../src/channels/slack-app/slack-web-client';
import type { WeddingChannels } from '../../src/channels/slack-app/wedding-channels';
import { closedPort } from '../support/closed-port';
import { SlackApiFake } from '../support/fakes/slack-api-fake';
import { sameRealmFetch } from '../support/same-realm-fetch';
import { memoryLogger } from '../support/memory-log';
import { sampleContent } from '../support/notification-content';
import { describeChannelContract } from './channel-contract';

// Slack as the app: chat.postMessage into the wedding's channel with the organization's bot
// token, through production's client (createSlackWebClient).
describeChannelContract<SlackMessage>('slack app', async () => {
  const fake = await new SlackApiFake().start();
  const { logger } = memoryLogger();
  const wedding = fake.addChannel(`wedding-2026-06-27-${randomUUID().slice(0, 8)}`);
  const weddings = { ensure: () => Promise.resolve(wedding.id) } as unknown as WeddingChannels;
  const noWebhook: Channel<SlackMessage> = { kind: 'slack', send: () => Promise.reject(new Error('the app channel must not fall back to the webhook here')) };
  const channelAt = (apiUrl: string) => {
    const client = createSlackWebClient({ token: fake.botToken, apiUrl, logger, timeoutMs: 60_000, fetch: sameRealmFetch });
    const app: SlackApp = { connection: {} as SlackApp['connection'], client, weddingChannels: true };
    return createSlackAppChannel({ webhook: noWebhook, weddings, apps: { forOrganization: () => Promise.resolve(app), refused: () => Promise.resolve() }, invitees: () => Promise.resolve([]) });
  };
  const content = sampleContent();
  const message = (): SlackMessage => ({ channel: 'slack', webhookUrl: 'https://hooks.slack.com/services/T0/B0/unused', content });
  return {
    channel: channelAt(fake.apiUrl),
    message,
    rateLimited: (seconds) => (fake.rateLimited(seconds), message()),
    expectedRetryAfterMs: (seconds) => seconds * 1000,
    rejected: () => (fake.replyNext({ status: 200, body: { ok: false, error: 'is_archived' } }), message()),
    hanging: () => (fake.replyNext({ hang: true }), message()),
    cutOff: () => (fake.replyNext({ destroy: true }, { destroy: true }, { destroy: true }), message()),
    unreachable: async () => {
      const url = new URL(fake.apiUrl);
      url.port = String(await closedPort());
      return { channel: channelAt(url.href), message: message() };
    },
    requestCount: () => fake.requests.length,
    secrets: [fake.botToken],
    close: () => fake.close(),
  };
}, { cutOff: true });
