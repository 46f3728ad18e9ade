import twilio from 'twilio';
import type { SmsMessage } from '../../src/channels/messages';
import { LoopbackRequestClient } from '../../src/channels/sms/loopback-request-client';
import { createMemorySentLedger } from '../../src/channels/sms/sent-ledger';
import { createTwilioSmsChannel } from '../../src/channels/sms/twilio-sms-channel';
import { closedPort } from '../support/closed-port';
import { TwilioFake } from '../support/fakes/twilio-fake';
import { sampleContent } from '../support/notification-content';
import { describeChannelContract } from './channel-contract';

describeChannelContract<SmsMessage>('sms', async () => {
  const fake = await new TwilioFake(`AC${'2'.repeat(32)}`, 'contract_twilio_token_secret').start();
  const channelAt = (base: string) =>
    createTwilioSmsChannel({
      client: twilio(fake.accountSid, fake.authToken, { httpClient: new LoopbackRequestClient(base) }),
      from: '+14155550100',
      maxSegments: 3,
      sentLedger: createMemorySentLedger(),
    });
  const message = (): SmsMessage => ({ channel: 'sms', to: '+14155550123', content: sampleContent() });
  return {
    channel: channelAt(fake.url),
    message,
    rateLimited: (seconds) => (fake.replyNext({ status: 429, headers: { 'retry-after': String(seconds) }, body: { code: 20429, message: 'Too Many Requests', status: 429 } }), message()),
    // Twilio's 429 is about concurrency and names no delay, and the SDK's RestException drops
    // the response headers: the dispatcher's own backoff applies.
    expectedRetryAfterMs: () => undefined,
    rejected: () => (fake.failNext(21610, 400), message()),
    hanging: () => (fake.replyNext({ hang: true }), message()),
    cutOff: () => (fake.replyNext({ destroy: true }), message()),
    unreachable: async () => ({ channel: channelAt(`http://127.0.0.1:${await closedPort()}`), message: message() }),
    requestCount: () => fake.requests.length,
    secrets: [fake.authToken, Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')],
    close: () => fake.close(),
  };
}, { cutOff: true });
