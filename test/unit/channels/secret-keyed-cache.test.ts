import { describe, expect, it } from '@jest/globals';
import { SecretKeyedCache } from '../../../src/channels/webhook/secret-keyed-cache';

function counting(options: ConstructorParameters<typeof SecretKeyedCache>[1] = {}) {
  const made: string[] = [];
  const cache = new SecretKeyedCache((secret) => (made.push(secret), { secret }), options);
  return { cache, made };
}

describe('what is kept per webhook secret', () => {
  it('is made once per secret and reused', () => {
    const { cache, made } = counting();
    expect(cache.get('whsec_a')).toBe(cache.get('whsec_a'));
    expect(made).toEqual(['whsec_a']);
  });

  it('is bounded: past the bound, the secret unused longest goes first', () => {
    const { cache, made } = counting({ maxEntries: 3 });
    for (const secret of ['a', 'b', 'c', 'a', 'd']) cache.get(secret);
    expect(cache.size()).toBe(3);
    // 'b' went; 'a', 'c' and 'd' are still there.
    for (const secret of ['a', 'c', 'd', 'b']) cache.get(secret);
    expect(made).toEqual(['a', 'b', 'c', 'd', 'b']);
  });

  it('forgets a secret left unused for its idle time', () => {
    let nowMs = 1_000_000;
    const { cache } = counting({ idleMs: 60_000, now: () => nowMs });
    cache.get('old');
    nowMs += 30_000;
    cache.get('kept');
    nowMs += 31_000;
    expect(cache.size()).toBe(1);
    nowMs += 60_000;
    expect(cache.size()).toBe(0);
  });
});
