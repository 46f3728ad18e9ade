import { createSsrfGuardedAgent } from '../../src/channels/webhook/ssrf-guard';
import type { WebhookMessage } from '../../src/channels/messages';
import { createWebhookChannel } from '../../src/channels/webhook/webhook-channel';
import { closedPort } from '../support/closed-port';
import { WebhookReceiver } from '../support/webhook-receiver';
import { describeChannelContract } from './channel-contract';

const SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;

describeChannelContract<WebhookMessage>('webhook', async () => {
  const receiver = await new WebhookReceiver().start();
  // Production's SSRF-guarded agent, the loopback allowed as partnerWebhooks.allowAddresses does.
  const agent = createSsrfGuardedAgent({ allow: ['127.0.0.1'] });
  const message = (url = `${receiver.url}/hook`): WebhookMessage => ({ channel: 'webhook', url, secrets: [SECRET], timeoutMs: 60_000, body: '{"type":"weddings.update"}' });
  return {
    channel: createWebhookChannel({ http: agent, userAgent: 'contract-test' }),
    message,
    rateLimited: (seconds) => (receiver.respondWith({ status: 429, headers: { 'retry-after': String(seconds) } }), message()),
    expectedRetryAfterMs: (seconds) => seconds * 1000,
    rejected: () => (receiver.respondWith({ status: 422 }), message()),
    hanging: () => (receiver.respondWith({ hang: true }), message()),
    unreachable: async () => ({ channel: createWebhookChannel({ http: agent, userAgent: 'contract-test' }), message: message(`http://127.0.0.1:${await closedPort()}/hook`) }),
    requestCount: () => receiver.requests.length,
    secrets: [SECRET, SECRET.slice('whsec_'.length)],
    close: async () => {
      await agent.close();
      await receiver.close();
    },
  };
});
