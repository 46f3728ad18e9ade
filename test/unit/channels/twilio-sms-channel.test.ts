import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import twilio from 'twilio';
import { PermanentDeliveryError, RetryableDeliveryError, ShutdownAbortError } from '../../../src/channels/errors';
import type { SmsMessage } from '../../../src/channels/messages';
import { LoopbackRequestClient } from '../../../src/channels/sms/loopback-request-client';
import { createMemorySentLedger, type SentLedger } from '../../../src/channels/sms/sent-ledger';
import { countSmsSegments } from '../../../src/channels/sms/sms-segments';
import { createTwilioSmsChannel } from '../../../src/channels/sms/twilio-sms-channel';
import { TwilioFake } from '../../support/fakes/twilio-fake';
import { hostileContent, sampleContent } from '../../support/notification-content';
import { deferred, waitFor } from '../../support/wait-for';

describe('twilio sms channel (real twilio SDK against a loopback Twilio)', () => {
  const fake = new TwilioFake();
  let ledger: SentLedger;
  let sequence = 0;
  const context = (deliveryId = `dlv_sms_${(sequence += 1)}`, signal = new AbortController().signal) => ({ signal, attempt: 1, deliveryId });
  const message = (overrides: Partial<SmsMessage> = {}): SmsMessage => ({ channel: 'sms', to: '+14155550123', content: sampleContent(), ...overrides });
  const channelWith = (from = '+14155550100', maxSegments = 2) =>
    createTwilioSmsChannel({ client: twilio(fake.accountSid, fake.authToken, { httpClient: new LoopbackRequestClient(fake.url) }), from, maxSegments, sentLedger: ledger });

  beforeAll(async () => {
    await fake.start();
    ledger = createMemorySentLedger();
  });
  afterAll(() => fake.close());

  it('posts To, From and a short Body that the fake accepts, and returns the sid', async () => {
    const receipt = await channelWith().send(message(), context());
    const sms = fake.accepted.at(-1)!;
    expect(fake.rejected).toEqual([]);
    expect(receipt).toEqual({ status: 201, providerMessageId: sms.sid });
    expect(sms).toMatchObject({ to: '+14155550123', from: '+14155550100' });
    expect(sms.body).toBe(
      'Important: Wedding date changed\nAna & Ben - Sat, 27 Jun 2026\nThe wedding of Ana & Ben moved from 2026-06-20 to 2026-06-27.\nhttps://app.wedsync.example/weddings/7d0c7d5e-0000-4000-8000-000000000001',
    );
  });

  it('sends through a Messaging Service when `from` is an MG sid, and normalises a formatted number', async () => {
    const service = `MG${'a'.repeat(32)}`;
    await channelWith(service).send(message({ to: '+1 (415) 555-0123' }), context());
    expect(fake.accepted.at(-1)).toMatchObject({ messagingServiceSid: service, to: '+14155550123' });
    expect(fake.accepted.at(-1)!.from).toBeUndefined();
  });

  it.each(['+15555550100', '0412345678', 'not a number', ''])('refuses %p before any request, once and for good', async (to) => {
    const before = fake.requests.length;
    const error = await channelWith().send(message({ to }), context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect((error as Error).message).not.toContain(to || '\u0000');
    expect(fake.requests.length).toBe(before);
  });

  it.each([
    [21610, 400, false],
    [21211, 400, false],
    [20003, 401, false],
    [20429, 429, true],
    [21611, 400, true],
    [20500, 500, true],
  ])('classifies Twilio error %i (HTTP %i) as retryable: %s', async (code, status, retryable) => {
    fake.failNext(code, status);
    const error = await channelWith().send(message(), context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(retryable ? RetryableDeliveryError : PermanentDeliveryError);
    expect(error).toMatchObject({ status, message: `twilio ${code} (HTTP ${status})` });
  });

  it('sends once per delivery id: a second send returns the recorded sid without a request', async () => {
    const channel = channelWith();
    const first = await channel.send(message(), context('dlv_twice'));
    const requests = fake.requests.length;
    const second = await channel.send(message(), context('dlv_twice'));
    expect(second.providerMessageId).toBe(first.providerMessageId);
    expect(fake.requests.length).toBe(requests);
  });

  it('records a message Twilio accepted after shutdown stopped waiting, so a replay does not send it again', async () => {
    const channel = channelWith();
    const slow = deferred();
    fake.replyNext({ after: slow.promise });
    const controller = new AbortController();
    const requests = fake.requests.length;
    const sending = channel.send(message(), context('dlv_late', controller.signal));
    await waitFor(() => fake.requests.length > requests, { what: 'the request to reach the fake' });
    controller.abort(new ShutdownAbortError());
    await expect(sending).rejects.toBeInstanceOf(ShutdownAbortError);
    slow.resolve();
    const sid = await waitFor(() => ledger.lookup('dlv_late'), { what: 'the late sid in the ledger' });
    const replay = await channel.send(message(), context('dlv_late'));
    expect(replay.providerMessageId).toBe(sid);
    expect(fake.accepted.filter((s) => s.sid === sid)).toHaveLength(1);
  });

  it('keeps hostile content to the segment cap, as plain single lines, with the link intact', async () => {
    await channelWith('+14155550100', 3).send(message({ content: hostileContent({ link: 'https://app.wedsync.example/w/1' }) }), context());
    const { body, numSegments } = fake.accepted.at(-1)!;
    expect(numSegments).toBeLessThanOrEqual(3);
    expect(countSmsSegments(body).encoding).toBe('UCS-2');
    expect(body.startsWith('URGENT: ')).toBe(true);
    expect(body.endsWith('...\nhttps://app.wedsync.example/w/1')).toBe(true);
    expect(body.split('\n').length).toBeLessThanOrEqual(4);
  });
});
