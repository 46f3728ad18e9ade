import { describe, expect, it } from '@jest/globals';
import { createRateLimiter } from '../../../src/deliver/rate-limiter';

describe('rate limiter', () => {
  it('lets a critical job take the next slot ahead of a queued backlog', async () => {
    const limiter = createRateLimiter({ max: 1, perMs: 100, maxConcurrent: 1 });
    const order: string[] = [];
    const job = (name: string) => async () => {
      order.push(name);
    };
    const backlog = Array.from({ length: 5 }, (_, i) => limiter.schedule('normal', job(`normal-${i}`)));
    const critical = limiter.schedule('critical', job('critical'));
    await Promise.all([...backlog, critical]);
    // The first normal job may already hold the only slot; the critical one is next.
    expect(order.indexOf('critical')).toBeLessThanOrEqual(1);
    expect(order.filter((n) => n.startsWith('normal'))).toEqual(['normal-0', 'normal-1', 'normal-2', 'normal-3', 'normal-4']);
    await limiter.stop();
  });

  it('rejects waiting jobs once stopped, so shutdown is not held up', async () => {
    const limiter = createRateLimiter({ max: 1, perMs: 60_000, maxConcurrent: 1 });
    await limiter.schedule('normal', async () => 'first');
    const waiting = limiter.schedule('normal', async () => 'second');
    expect(limiter.queued()).toBe(1);
    await limiter.stop();
    await expect(waiting).rejects.toThrow();
  });
});
