import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createAckTokens } from '../../../src/lib/ack-token';

const key = randomBytes(32);
const tokens = createAckTokens(key);
const claim = { deliveryId: 'dlv_abc', eventId: 'evt_123', expiresAtMs: 2_000_000 };

describe('acknowledge tokens', () => {
  it('round-trips a claim until it expires, then says expired', () => {
    const token = tokens.sign(claim);
    expect(tokens.verify(token, 1_999_999)).toEqual({ ok: true, claim });
    expect(tokens.verify(token, 2_000_001)).toEqual({ ok: false, reason: 'expired' });
  });

  it('is the same token for the same delivery (a retried send renders the same link)', () => {
    expect(tokens.sign(claim)).toBe(tokens.sign({ ...claim }));
  });

  it('refuses a token signed with another key, an edited claim, and junk', () => {
    const other = createAckTokens(randomBytes(32)).sign(claim);
    expect(tokens.verify(other, 0)).toEqual({ ok: false, reason: 'bad_signature' });
    const [, mac] = tokens.sign(claim).split('.');
    const edited = `${Buffer.from(JSON.stringify(['dlv_other', 'evt_123', 2_000_000])).toString('base64url')}.${mac}`;
    expect(tokens.verify(edited, 0)).toEqual({ ok: false, reason: 'bad_signature' });
    for (const junk of ['', 'a', 'a.b.c', '.', 'x'.repeat(10_000)]) expect(tokens.verify(junk, 0).ok).toBe(false);
  });

  it('refuses a key shorter than 32 bytes', () => {
    expect(() => createAckTokens(randomBytes(16))).toThrow(RangeError);
  });
});
