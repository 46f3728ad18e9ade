import { describe, expect, it } from '@jest/globals';
import twilio from 'twilio';
import { verifySlackSignature } from '../../../src/ack/slack-signature';

// Slack's own example (docs.slack.dev, "Verifying requests from Slack"): secret, timestamp, body, signature.
const SLACK = {
  signingSecret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: '1531420618',
  body: 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};
const at = (offsetMs: number) => Number(SLACK.timestamp) * 1000 + offsetMs;
const check = (over: Partial<{ signature: string; timestamp: string; body: string; nowMs: number }> = {}) =>
  verifySlackSignature({
    signingSecret: SLACK.signingSecret,
    timestamp: over.timestamp ?? SLACK.timestamp,
    signature: over.signature ?? SLACK.signature,
    rawBody: Buffer.from(over.body ?? SLACK.body),
    nowMs: over.nowMs ?? at(1_000),
  });

describe("Slack's v0 request signature", () => {
  it("accepts Slack's documented example", () => {
    expect(check()).toEqual({ ok: true });
  });

  it('refuses a body changed by one byte, a forged signature, and a missing or malformed header', () => {
    expect(check({ body: SLACK.body.replace('roadrunner', 'roadrunnex') })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(check({ signature: `v0=${'0'.repeat(64)}` })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(check({ signature: 'v0=abc' })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(check({ signature: 'v1=whatever' })).toEqual({ ok: false, reason: 'missing' });
    expect(verifySlackSignature({ signingSecret: SLACK.signingSecret, timestamp: undefined, signature: SLACK.signature, rawBody: Buffer.from(SLACK.body), nowMs: at(0) })).toEqual({ ok: false, reason: 'missing' });
  });

  it('refuses a timestamp more than five minutes old or ahead, before computing anything', () => {
    expect(check({ nowMs: at(6 * 60_000) })).toEqual({ ok: false, reason: 'stale' });
    expect(check({ nowMs: at(-6 * 60_000) })).toEqual({ ok: false, reason: 'stale' });
    expect(check({ nowMs: at(5 * 60_000) })).toEqual({ ok: true });
  });
});

describe("Twilio's request signature, as the twilio package validates it", () => {
  // Twilio's documented example (twilio-node examples/WebhookSignatureValidation.md).
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' };

  it("accepts Twilio's documented example and refuses it altered", () => {
    expect(twilio.validateRequest('12345', '0/KCTR6DLpKmkAf8muzZqo1nDgQ=', url, params)).toBe(true);
    expect(twilio.validateRequest('12345', '0/KCTR6DLpKmkAf8muzZqo1nDgQ=', url, { ...params, Digits: '1235' })).toBe(false);
    expect(twilio.validateRequest('54321', '0/KCTR6DLpKmkAf8muzZqo1nDgQ=', url, params)).toBe(false);
  });
});
