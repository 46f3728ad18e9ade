import { Resend } from 'resend';
import { createResendEmailChannel } from '../../src/channels/email/resend-email-channel';
import type { EmailMessage } from '../../src/channels/messages';
import { closedPort } from '../support/closed-port';
import { ResendFake } from '../support/fakes/resend-fake';
import { sampleContent } from '../support/notification-content';
import { describeChannelContract } from './channel-contract';

const FROM = 'WedSync <notify@wedsync.example>';

describeChannelContract<EmailMessage>('email', async () => {
  const fake = await new ResendFake('re_contract_secret_key_123').start();
  const channel = createResendEmailChannel({ client: new Resend(fake.apiKey, { baseUrl: fake.url }), from: FROM });
  const message = (): EmailMessage => ({ channel: 'email', to: 'pat@bloom.example', toName: 'Pat Planner', content: sampleContent() });
  return {
    channel,
    message,
    rateLimited: (seconds) => (fake.rateLimited(seconds), message()),
    expectedRetryAfterMs: (seconds) => seconds * 1000,
    rejected: () => (fake.failNext(422, 'invalid_parameter'), message()),
    hanging: () => (fake.replyNext({ hang: true }), message()),
    cutOff: () => (fake.replyNext({ destroy: true }), message()),
    unreachable: async () => ({
      channel: createResendEmailChannel({ client: new Resend(fake.apiKey, { baseUrl: `http://127.0.0.1:${await closedPort()}` }), from: FROM }),
      message: message(),
    }),
    requestCount: () => fake.requests.length,
    secrets: [fake.apiKey],
    close: () => fake.close(),
  };
}, { cutOff: true });
