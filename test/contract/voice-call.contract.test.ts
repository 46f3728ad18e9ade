import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import twilio from 'twilio';
import { PermanentDeliveryError } from '../../src/channels/errors';
import type { SmsMessage } from '../../src/channels/messages';
import { LoopbackRequestClient } from '../../src/channels/sms/loopback-request-client';
import { createMemorySentLedger } from '../../src/channels/sms/sent-ledger';
import { createTwilioSmsChannel, type TwilioLike } from '../../src/channels/sms/twilio-sms-channel';
import { renderVoiceTwiml } from '../../src/channels/sms/voice-twiml';
import { TwilioFake } from '../support/fakes/twilio-fake';
import { hostileContent, sampleContent } from '../support/notification-content';

let fake: TwilioFake;
beforeAll(async () => {
  fake = await new TwilioFake(`AC${'3'.repeat(32)}`, 'voice_contract_token_secret').start();
});
afterAll(async () => {
  await fake.close();
});

const client = (token = fake.authToken) => twilio(fake.accountSid, token, { httpClient: new LoopbackRequestClient(fake.url) }) as unknown as TwilioLike;
const channel = (options: { from?: string; token?: string } = {}) =>
  createTwilioSmsChannel({ client: client(options.token), from: options.from ?? '+14155550100', maxSegments: 3, sentLedger: createMemorySentLedger() });
const call = (content = sampleContent({ priority: { level: 'critical', score: 95, reasons: [] } })): SmsMessage => ({ channel: 'sms', to: '+14155550123', content, voice: true });
const ctx = (deliveryId: string) => ({ signal: new AbortController().signal, attempt: 1, deliveryId });

describe('voice call mode of the SMS channel (Twilio Calls through the twilio SDK)', () => {
  it('places one call with To, From and a <Say> TwiML; a retry of the same delivery calls nobody again', async () => {
    const sms = channel();
    const before = fake.accepted.length;
    const receipt = await sms.send(call(), ctx('dlv_voice_1'));
    expect(receipt.providerMessageId).toMatch(/^CA[0-9a-f]{32}$/);
    await sms.send(call(), ctx('dlv_voice_1'));
    const placed = fake.accepted.slice(before);
    expect(placed).toHaveLength(1);
    expect(placed[0]).toMatchObject({ resource: 'call', to: '+14155550123', from: '+14155550100' });
    expect(placed[0]!.body).toMatch(/^WedSync urgent alert\. Wedding date changed\. Ana & Ben, .*2026.* Nobody has acknowledged this yet\./);
    // No link is read aloud, and nothing else of the content (facts, organization) is spoken.
    expect(placed[0]!.body).not.toMatch(/https?:|Bloom Planning|Previous date/);
  });

  it('escapes customer text for XML: a hostile summary cannot close <Say> or add verbs', async () => {
    const { twiml } = renderVoiceTwiml(hostileContent());
    expect(twiml).not.toMatch(/<script|<http|<!channel/);
    expect(twiml.match(/<Say>/g)).toHaveLength(2);
    const before = fake.accepted.length;
    await channel().send(call(hostileContent()), ctx('dlv_voice_hostile'));
    expect(fake.accepted.slice(before)[0]!.body).toContain('<script>alert(1)</script>');
    expect(twiml.length).toBeLessThan(4000);
  });

  it('the fake answers as Twilio does: bad credentials 20003 (permanent), unescaped TwiML 12100', async () => {
    const refused = channel({ token: 'wrong_token' }).send(call(), ctx('dlv_voice_auth'));
    await expect(refused).rejects.toBeInstanceOf(PermanentDeliveryError);
    await expect(refused).rejects.toThrow('twilio 20003 (HTTP 401)');
    expect(fake.rejected.at(-1)?.problems.join()).toMatch(/Basic auth/);
    const raw = await fetch(`${fake.url}/2010-04-01/Accounts/${fake.accountSid}/Calls.json`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ To: '+14155550123', From: '+14155550100', Twiml: '<Response><Say>a & b</Say></Response>' }).toString(),
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ code: 12100, status: 400, more_info: 'https://www.twilio.com/docs/errors/12100' });
  });

  it('a Messaging Service sender cannot place calls: a permanent failure, no request', async () => {
    const requests = fake.requests.length;
    await expect(channel({ from: `MG${'a'.repeat(32)}` }).send(call(), ctx('dlv_voice_mg'))).rejects.toBeInstanceOf(PermanentDeliveryError);
    expect(fake.requests.length).toBe(requests);
  });
});
