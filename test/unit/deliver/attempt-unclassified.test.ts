import { inspect } from 'node:util';
import { LogLevel, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Resend } from 'resend';
import twilio from 'twilio';
import type { Channel } from '../../../src/channels/channel';
import { createResendEmailChannel } from '../../../src/channels/email/resend-email-channel';
import { createInAppChannel } from '../../../src/channels/in-app/in-app-channel';
import type { DeliveryMessage, EmailMessage, InAppMessage, SlackMessage, SmsMessage } from '../../../src/channels/messages';
import { createSlackAppChannel } from '../../../src/channels/slack-app/slack-app-channel';
import type { SlackApp } from '../../../src/channels/slack-app/slack-apps';
import type { WeddingChannels } from '../../../src/channels/slack-app/wedding-channels';
import { createSlackChannel } from '../../../src/channels/slack/slack-channel';
import { LoopbackRequestClient } from '../../../src/channels/sms/loopback-request-client';
import { createMemorySentLedger, type SentLedger } from '../../../src/channels/sms/sent-ledger';
import { createTwilioSmsChannel } from '../../../src/channels/sms/twilio-sms-channel';
import { createSsrfGuardedAgent } from '../../../src/channels/webhook/ssrf-guard';
import { attemptDelivery, describeFailure, type Failure } from '../../../src/deliver/attempt';
import { createRateLimiter } from '../../../src/deliver/rate-limiter';
import { sameRealmFetch } from '../../support/same-realm-fetch';
import { deliveryOf } from '../../support/delivery-factory';
import { ResendFake } from '../../support/fakes/resend-fake';
import { SlackApiFake } from '../../support/fakes/slack-api-fake';
import { SlackFake } from '../../support/fakes/slack-fake';
import { TwilioFake } from '../../support/fakes/twilio-fake';
import { memoryLogger } from '../../support/memory-log';
import { sampleContent } from '../../support/notification-content';

/**
 * Item 8 of issue 11 for every channel but the webhook: a failure nobody classified (a bug, a
 * TypeError out of an SDK) is tried once and is permanent, its reason and log lines naming its
 * class only; a network failure, even wrapped by an SDK, is still retried along the attempts.
 */
const TOKEN = 'tok_never_in_a_reason_77';
const EMAIL = 'pat.private@bloom.example';
const PHONE = '+14155550123';
const ATTEMPTS = 3;

interface Outcome {
  readonly attempts: number[];
  readonly failure: Failure;
  /** The error and every log line, as a reader of the ledger or the logs would see them. */
  readonly printed: string;
}

async function attempt(channel: Channel<DeliveryMessage>, message: DeliveryMessage, id?: string): Promise<Outcome> {
  const { logger, text } = memoryLogger();
  const limiter = createRateLimiter({ max: null, perMs: 1_000, maxConcurrent: 1 });
  const attempts: number[] = [];
  const signal = new AbortController().signal;
  const delivery = deliveryOf(message, id ? { id } : {});
  const error = await attemptDelivery(delivery, {
    channels: { [message.channel]: channel },
    limiter,
    retry: { attempts: ATTEMPTS, minDelayMs: 1, maxDelayMs: 1, factor: 1, maxRetryAfterMs: 1 },
    signal,
    log: logger,
    now: Date.now,
    onAttempt: (n) => attempts.push(n),
  }).then(
    () => {
      throw new Error('expected the delivery to fail');
    },
    (e: unknown) => e,
  );
  await limiter.stop();
  const failure = describeFailure(error, signal);
  // What the durable queue does with it: the reason into the ledger, the error into the log.
  logger.error({ err: error, reason: failure.kind === 'shutdown' ? null : failure.message }, 'dead-lettered');
  return { attempts, failure, printed: `${text()}\n${inspect(error, { depth: 8 })}` };
}

const expectPermanentOnce = (outcome: Outcome, message: RegExp) => {
  expect(outcome.attempts).toEqual([1]);
  expect(outcome.failure).toMatchObject({ kind: 'permanent', gone: false });
  expect(outcome.failure.kind !== 'shutdown' && outcome.failure.message).toMatch(message);
  for (const secret of [TOKEN, EMAIL, PHONE]) expect(outcome.printed).not.toContain(secret);
};

const expectRetriedToTheEnd = (outcome: Outcome) => {
  expect(outcome.attempts).toEqual([1, 2, 3]);
  expect(outcome.failure).toMatchObject({ kind: 'retryable' });
};

const email = (): EmailMessage => ({ channel: 'email', to: EMAIL, toName: 'Pat', content: sampleContent() });
const sms = (): SmsMessage => ({ channel: 'sms', to: PHONE, content: sampleContent() });

describe('a failure no channel classified', () => {
  it('is permanent when a channel has a bug, and its reason and logs name only its class', async () => {
    const buggy: Channel<DeliveryMessage> = {
      kind: 'email',
      send: () => Promise.reject(new TypeError(`Cannot read properties of undefined (reading 'https://x.example/?token=${TOKEN}&to=${EMAIL}')`)),
    };
    expectPermanentOnce(await attempt(buggy, email()), /^unexpected TypeError$/);
  });

  it('is permanent when what is thrown is no Error at all', async () => {
    const buggy: Channel<DeliveryMessage> = { kind: 'sms', send: () => Promise.reject(`${PHONE} ${TOKEN}`) };
    expectPermanentOnce(await attempt(buggy, sms()), /^unexpected string$/);
  });

  it('in-app: a TypeError from pg (a value it cannot send) is permanent; a dropped connection is retried', async () => {
    const failing = (error: unknown) => createInAppChannel({ db: { query: () => Promise.reject(error) } }) as Channel<DeliveryMessage>;
    const message: InAppMessage = { channel: 'in_app', organizationId: 'org-a', recipientKind: 'staff', recipientId: 'p-1', weddingId: null, content: sampleContent() };
    expectPermanentOnce(await attempt(failing(new TypeError(`Do not know how to serialize ${EMAIL}`)), message), /^unexpected TypeError$/);
    expectRetriedToTheEnd(await attempt(failing(new Error('Connection terminated unexpectedly')), message));
    expectRetriedToTheEnd(await attempt(failing(Object.assign(new Error('terminating connection'), { code: '57P01' })), message));
  });

  describe('through the real SDKs, against their loopback fakes', () => {
    let resend: ResendFake;
    let twilioFake: TwilioFake;
    let slackApi: SlackApiFake;
    let slackHooks: SlackFake;
    const agent = createSsrfGuardedAgent({ allow: ['127.0.0.1'] });
    beforeAll(async () => {
      resend = await new ResendFake('re_unclassified_key_1').start();
      twilioFake = await new TwilioFake(`AC${'3'.repeat(32)}`, 'unclassified_twilio_token').start();
      slackApi = await new SlackApiFake().start();
      slackHooks = await new SlackFake().start();
    });
    afterAll(async () => {
      await agent.close();
      await Promise.all([resend.close(), twilioFake.close(), slackApi.close(), slackHooks.close()]);
    });

    const emailChannel = () => createResendEmailChannel({ client: new Resend(resend.apiKey, { baseUrl: resend.url }), from: 'WedSync <notify@wedsync.example>' }) as Channel<DeliveryMessage>;
    const smsChannel = (sentLedger: SentLedger = createMemorySentLedger()) =>
      createTwilioSmsChannel({ client: twilio(twilioFake.accountSid, twilioFake.authToken, { httpClient: new LoopbackRequestClient(twilioFake.url) }), from: '+14155550100', maxSegments: 3, sentLedger }) as Channel<DeliveryMessage>;
    const slackAppChannel = (apiUrl: string) => {
      const wedding = slackApi.addChannel(`wed-${slackApi.channels.size + 1}`);
      const weddings = { ensure: () => Promise.resolve(wedding.id) } as unknown as WeddingChannels;
      const slack = new WebClient(slackApi.botToken, { slackApiUrl: apiUrl, retryConfig: { retries: 0 }, fetch: sameRealmFetch, logLevel: LogLevel.ERROR });
      const apps = { forOrganization: () => Promise.resolve({ connection: {} as SlackApp['connection'], client: slack, weddingChannels: true }), refused: () => Promise.resolve() };
      return createSlackAppChannel({ webhook: createSlackChannel({ http: agent }), weddings, apps, invitees: () => Promise.resolve([]) }) as Channel<DeliveryMessage>;
    };
    const slackMessage = (): SlackMessage => ({ channel: 'slack', webhookUrl: slackHooks.hookUrl(), content: sampleContent() });

    it('email: a TypeError the resend SDK throws (an invalid header value) is permanent, and nothing is sent', async () => {
      const before = resend.requests.length;
      expectPermanentOnce(await attempt(emailChannel(), email(), `dlv_1\nhttps://x.example/?token=${TOKEN}`), /^unexpected TypeError$/);
      expect(resend.requests.length).toBe(before);
    });

    it('email: a connection cut mid-request is retried', async () => {
      resend.replyNext({ destroy: true }, { destroy: true }, { destroy: true });
      expectRetriedToTheEnd(await attempt(emailChannel(), email()));
    });

    it('sms: a bug under the send (the sent ledger) is permanent; its dropped database connection is retried', async () => {
      const ledger = (error: unknown): SentLedger => ({ lookup: () => Promise.reject(error), record: () => Promise.resolve() });
      expectPermanentOnce(await attempt(smsChannel(ledger(new RangeError(`no entry for ${PHONE}`))), sms()), /^unexpected RangeError$/);
      expectRetriedToTheEnd(await attempt(smsChannel(ledger(new Error('Connection terminated unexpectedly'))), sms()));
    });

    it('sms: a connection cut mid-request (axios inside the twilio SDK) is retried', async () => {
      twilioFake.replyNext({ destroy: true }, { destroy: true }, { destroy: true });
      const outcome = await attempt(smsChannel(), sms());
      expectRetriedToTheEnd(outcome);
      expect(outcome.failure.kind === 'retryable' && outcome.failure.message).toMatch(/^twilio network error E[A-Z]+$/);
    });

    it('slack app: a TypeError inside the SDK request error (a URL fetch cannot parse) is permanent', async () => {
      expectPermanentOnce(await attempt(slackAppChannel(`http://[::1/api/?token=${TOKEN}/`), slackMessage()), /^unexpected WebAPIRequestError \(slack_webapi_request_error\)$/);
    });

    it('slack app: a connection cut inside the SDK request error is retried, and so is a 503', async () => {
      slackApi.replyNext({ destroy: true }, { destroy: true }, { destroy: true });
      const cut = await attempt(slackAppChannel(slackApi.apiUrl), slackMessage());
      expectRetriedToTheEnd(cut);
      expect(cut.failure.kind === 'retryable' && cut.failure.message).toMatch(/^network error /);
      slackApi.replyNext(...Array.from({ length: 3 }, () => ({ status: 503, body: 'upstream unavailable' })));
      expectRetriedToTheEnd(await attempt(slackAppChannel(slackApi.apiUrl), slackMessage()));
    });

    it("slack incoming webhook: the SSRF guard's refusal from inside the connect stays permanent, tried once", async () => {
      const guarded = createSsrfGuardedAgent({ allow: [] });
      const before = slackHooks.requests.length;
      const outcome = await attempt(createSlackChannel({ http: guarded }) as Channel<DeliveryMessage>, slackMessage()).finally(() => guarded.close());
      expect(outcome.attempts).toEqual([1]);
      expect(outcome.failure).toMatchObject({ kind: 'permanent' });
      expect(slackHooks.requests.length).toBe(before);
    });

    it('slack incoming webhook (undici): a connection cut mid-request is retried', async () => {
      slackHooks.replyNext({ destroy: true }, { destroy: true }, { destroy: true });
      expectRetriedToTheEnd(await attempt(createSlackChannel({ http: agent }) as Channel<DeliveryMessage>, slackMessage()));
    });
  });
});
