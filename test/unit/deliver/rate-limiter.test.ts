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

describe('a destination without a rate', () => {
  it('caps concurrency only, and still runs a critical job first', async () => {
    const limiter = createRateLimiter({ max: null, perMs: 1_000, maxConcurrent: 1 });
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = limiter.schedule('normal', async () => {
      order.push('first');
      await gate;
    });
    const backlog = Array.from({ length: 3 }, (_, i) => limiter.schedule('normal', async () => void order.push(`normal-${i}`)));
    const critical = limiter.schedule('critical', async () => void order.push('critical'));
    expect(limiter.queued()).toBe(4);
    release();
    await Promise.all([first, ...backlog, critical]);
    expect(order).toEqual(['first', 'critical', 'normal-0', 'normal-1', 'normal-2']);
    await limiter.stop();
  });
});
