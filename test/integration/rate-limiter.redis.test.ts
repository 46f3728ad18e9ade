import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { RateLimiterRegistry } from '../../src/deliver/rate-limiter';
import { ManualClock } from '../support/manual-clock';
import { waitFor } from '../support/wait-for';

// The limit shared through a real Redis: two registries stand for two replicas.

let redis: Redis;
const namespace = `test-rl-${randomBytes(4).toString('hex')}`;
beforeAll(() => {
  redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
});
afterAll(async () => {
  const keys = await redis.keys(`${namespace}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('a rate limit shared through Redis', () => {
  it('lets two replicas together start no more than max in any window', async () => {
    const clock = new ManualClock();
    const replicas = [new RateLimiterRegistry(redis, namespace, { clock }), new RateLimiterRegistry(redis, namespace, { clock })];
    const settings = { max: 4, perMs: 1_000, maxConcurrent: 8 };
    const starts: number[] = [];
    const jobs = replicas.flatMap((replica) =>
      Array.from({ length: 10 }, () => replica.get('webhook:shared', settings).schedule('normal', async () => void starts.push(clock.now()))),
    );
    await waitFor(() => starts.length === 4, { what: 'the first window' });
    for (let window = 1; starts.length < 20 && window < 10; window += 1) {
      const before = starts.length;
      clock.advance(1_000);
      // Both replicas ask Redis again; together they may fill the new window, not more.
      await waitFor(() => starts.length >= Math.min(20, before + 4), { what: `window ${window}` });
      expect(starts.length).toBe(Math.min(20, before + 4));
    }
    await Promise.all(jobs);
    expect(starts).toHaveLength(20);
    await Promise.all(replicas.map((r) => r.stopAll()));
  });

  it('gives the next slot to a critical delivery that arrives behind 1,000 normal ones', async () => {
    const clock = new ManualClock();
    const registry = new RateLimiterRegistry(redis, namespace, { clock });
    const limiter = registry.get('webhook:busy', { max: 1, perMs: 1_000, maxConcurrent: 1 });
    const order: string[] = [];
    const backlog = Array.from({ length: 1_000 }, (_, i) => limiter.schedule('normal', async () => void order.push(`normal-${i}`)));
    await waitFor(() => order.length === 1 && limiter.queued() === 999, { what: 'the backlog waiting' });
    const critical = limiter.schedule('critical', async () => void order.push('critical'));
    clock.advance(1_000);
    await critical;
    expect(order).toEqual(['normal-0', 'critical']);
    await registry.stopAll();
    await Promise.allSettled(backlog);
  });

  it('applies a changed limit to the next delivery', async () => {
    const clock = new ManualClock();
    const registry = new RateLimiterRegistry(redis, namespace, { clock });
    const at = (max: number) => registry.get('webhook:tenant', { max, perMs: 60_000, maxConcurrent: 8 });
    const order: string[] = [];
    await at(1).schedule('normal', async () => void order.push('first'));
    const held = at(1).schedule('normal', async () => void order.push('held'));
    await waitFor(async () => at(1).queued() === 1, { what: 'the second to wait' });
    // Raised to 3 a minute inside the same minute: both go now, the one waiting longest first.
    await at(3).schedule('normal', async () => void order.push('after the raise'));
    await held;
    expect(order).toEqual(['first', 'held', 'after the raise']);
    expect(await redis.zcard(`${namespace}:slots:webhook:tenant`)).toBe(3);
    await registry.stopAll();
  });

  it('keeps nothing for an idle destination: its entry goes at once, its Redis log after one window', async () => {
    const registry = new RateLimiterRegistry(redis, namespace);
    const settings = { max: 5, perMs: 200, maxConcurrent: 2 };
    for (let i = 0; i < 50; i += 1) await registry.get(`webhook:once-${i}`, settings).schedule('normal', async () => undefined);
    expect(registry.sizes()).toEqual({ active: 0, logs: 0 });
    const ttl = await redis.pttl(`${namespace}:slots:webhook:once-0`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(200);
    await waitFor(async () => (await redis.keys(`${namespace}:slots:webhook:once-*`)).length === 0, { what: 'the logs to expire' });
    await registry.stopAll();
  });
});
