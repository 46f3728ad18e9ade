import { createSsrfGuardedAgent } from '../../src/channels/webhook/ssrf-guard';
import type { TeamsMessage } from '../../src/channels/messages';
import { createTeamsChannel } from '../../src/channels/teams/teams-channel';
import { closedPort } from '../support/closed-port';
import { TeamsFake } from '../support/fakes/teams-fake';
import { sampleContent } from '../support/notification-content';
import { describeChannelContract } from './channel-contract';

describeChannelContract<TeamsMessage>('teams', async () => {
  const fake = await new TeamsFake().start();
  // Production's SSRF-guarded agent, the loopback allowed as partnerWebhooks.allowAddresses does.
  const agent = createSsrfGuardedAgent({ allow: ['127.0.0.1'] });
  const hook = fake.hookUrl();
  const message = (webhookUrl = hook): TeamsMessage => ({ channel: 'teams', webhookUrl, content: sampleContent() });
  return {
    channel: createTeamsChannel({ http: agent, timeoutMs: 60_000 }),
    message,
    rateLimited: (seconds) => (fake.rateLimited(seconds), message()),
    expectedRetryAfterMs: (seconds) => seconds * 1000,
    rejected: () => (fake.replyNext({ status: 400, body: { error: { code: 'InvalidRequestContent', message: 'bad card' } } }), message()),
    hanging: () => (fake.replyNext({ hang: true }), message()),
    cutOff: () => (fake.replyNext({ destroy: true }), message()),
    unreachable: async () => {
      const url = new URL(hook);
      url.port = String(await closedPort());
      return { channel: createTeamsChannel({ http: agent }), message: message(url.href) };
    },
    requestCount: () => fake.requests.length,
    secrets: [hook, new URL(hook).searchParams.get('sig')!],
    close: async () => {
      await agent.close();
      await fake.close();
    },
  };
}, { cutOff: true });
