import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { WebhookSigner } from '../../../src/channels/webhook/webhook-signature';

// The Standard Webhooks specification's own test vector.
const SPEC = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: new Date(1614265330 * 1000),
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('Standard Webhooks signing with node:crypto', () => {
  it("gives the specification's test vector", () => {
    const headers = new WebhookSigner().sign([SPEC.secret], SPEC.id, SPEC.timestamp, SPEC.body);
    expect(headers).toEqual({ 'webhook-id': SPEC.id, 'webhook-timestamp': '1614265330', 'webhook-signature': SPEC.signature });
  });

  it('signs what the reference library verifies, for any body, id and secret', () => {
    const signer = new WebhookSigner();
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 64 }), fc.stringMatching(/^msg_[A-Za-z0-9]{1,30}$/), fc.string({ unit: 'grapheme', maxLength: 300 }), (key, id, text) => {
        const secret = `whsec_${Buffer.from(key).toString('base64')}`;
        const body = JSON.stringify({ text });
        const headers = signer.sign([secret], id, now, body);
        expect(new Webhook(secret).verify(body, { ...headers })).toEqual({ text });
      }),
      { numRuns: 200 },
    );
  });

  it('gives one signature per secret during a rotation, each verified by the reference library alone', () => {
    const secrets = [`whsec_${Buffer.alloc(32, 1).toString('base64')}`, `whsec_${Buffer.alloc(32, 2).toString('base64')}`];
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const headers = new WebhookSigner().sign(secrets, 'msg_rotate', now, '{"a":1}');
    const signatures = headers['webhook-signature'].split(' ');
    expect(signatures).toHaveLength(2);
    secrets.forEach((secret, i) => {
      expect(new Webhook(secret).verify('{"a":1}', { ...headers, 'webhook-signature': signatures[i]! })).toEqual({ a: 1 });
      expect(new Webhook(secret).verify('{"a":1}', headers)).toEqual({ a: 1 });
    });
  });
});
