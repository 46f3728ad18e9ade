import { createSsrfGuardedAgent } from '../../src/channels/webhook/ssrf-guard';
import type { SlackMessage } from '../../src/channels/messages';
import { createSlackChannel } from '../../src/channels/slack/slack-channel';
import { closedPort } from '../support/closed-port';
import { SlackFake } from '../support/fakes/slack-fake';
import { sampleContent } from '../support/notification-content';
import { describeChannelContract } from './channel-contract';

describeChannelContract<SlackMessage>('slack', async () => {
  const fake = await new SlackFake().start();
  // Production's SSRF-guarded agent, the loopback allowed as partnerWebhooks.allowAddresses does.
  const agent = createSsrfGuardedAgent({ allow: ['127.0.0.1'] });
  const hook = fake.hookUrl();
  const message = (webhookUrl = hook): SlackMessage => ({ channel: 'slack', webhookUrl, content: sampleContent() });
  return {
    channel: createSlackChannel({ http: agent, timeoutMs: 60_000 }),
    message,
    rateLimited: (seconds) => (fake.rateLimited(seconds), message()),
    expectedRetryAfterMs: (seconds) => seconds * 1000,
    rejected: () => (fake.replyNext({ status: 403, body: 'action_prohibited' }), message()),
    hanging: () => (fake.replyNext({ hang: true }), message()),
    cutOff: () => (fake.replyNext({ destroy: true }), message()),
    unreachable: async () => {
      const url = new URL(hook);
      url.port = String(await closedPort());
      return { channel: createSlackChannel({ http: agent }), message: message(url.href) };
    },
    requestCount: () => fake.requests.length,
    secrets: [hook, new URL(hook).pathname],
    close: async () => {
      await agent.close();
      await fake.close();
    },
  };
}, { cutOff: true });
