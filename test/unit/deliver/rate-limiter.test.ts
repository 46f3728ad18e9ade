import { describe, expect, it } from '@jest/globals';
import { ShutdownAbortError } from '../../../src/channels/errors';
import { createRateLimiter, RateLimiterRegistry, type RateLimitSettings } from '../../../src/deliver/rate-limiter';
import { ManualClock } from '../../support/manual-clock';
import { busiestWindow } from '../../support/busiest-window';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function recorder(clock: ManualClock) {
  const starts: { name: string; atMs: number }[] = [];
  const job = (name: string) => async () => void starts.push({ name, atMs: clock.now() });
  return { starts, job };
}

describe('a rate limit as partners count it', () => {
  it('never lets more than max start in any window of its length, and lets every job through', async () => {
    const clock = new ManualClock();
    const limiter = createRateLimiter({ max: 5, perMs: 1_000, maxConcurrent: 4 }, { clock });
    const { starts, job } = recorder(clock);
    const all = Promise.all(Array.from({ length: 40 }, (_, i) => limiter.schedule('normal', job(`j${i}`))));
    // Uneven steps, so window edges fall everywhere.
    for (let step = 0; starts.length < 40 && step < 2_000; step += 1) {
      clock.advance(step % 3 === 0 ? 7 : 131);
      await settle();
    }
    await all;
    expect(starts).toHaveLength(40);
    expect(busiestWindow(starts.map((s) => s.atMs), 1_000)).toBe(5);
    // And it is not slower than it must be: 40 at 5 a window take 7 windows after the first burst.
    expect(starts[39]!.atMs - starts[0]!.atMs).toBeLessThan(8 * 1_000);
  });

  it('counts a slow request from when it finished, since the partner may have got it only then', async () => {
    const clock = new ManualClock();
    const limiter = createRateLimiter({ max: 1, perMs: 1_000, maxConcurrent: 2 }, { clock });
    const { starts, job } = recorder(clock);
    let answer!: () => void;
    const slow = limiter.schedule('normal', async () => {
      starts.push({ name: 'slow', atMs: clock.now() });
      await new Promise<void>((resolve) => (answer = resolve));
    });
    const next = limiter.schedule('normal', job('next'));
    await settle();
    clock.advance(400);
    answer();
    await slow;
    // A window after the grant is not enough: the slow one may have arrived at 400.
    clock.advance(1_000 - 400);
    await settle();
    expect(starts.map((s) => s.name)).toEqual(['slow']);
    clock.advance(400);
    await next;
    expect(starts.map((s) => [s.name, s.atMs - starts[0]!.atMs])).toEqual([
      ['slow', 0],
      ['next', 1_400],
    ]);
  });

  it('applies a changed limit to the next delivery, up and down', async () => {
    const clock = new ManualClock();
    const registry = new RateLimiterRegistry(undefined, 'test', { clock });
    const { starts, job } = recorder(clock);
    const at = (settings: RateLimitSettings) => registry.get('webhook:endpoint-1', settings);
    const one = { max: 1, perMs: 60_000, maxConcurrent: 8 };
    await at(one).schedule('normal', job('first'));
    const held = at(one).schedule('normal', job('held by 1 a minute'));
    await settle();
    expect(starts.map((s) => s.name)).toEqual(['first']);
    // The tenant raises its limit to 3 a minute: the next delivery goes now, without a restart.
    await at({ ...one, max: 3 }).schedule('normal', job('after the raise'));
    await held;
    expect(starts.map((s) => s.name)).toEqual(['first', 'held by 1 a minute', 'after the raise']);
    // Lowered to 1 again: three already went this minute, so the next waits for the window.
    const lowered = at(one).schedule('normal', job('after the cut'));
    clock.advance(30_000);
    await settle();
    expect(starts).toHaveLength(3);
    clock.advance(60_000);
    await lowered;
    expect(starts).toHaveLength(4);
    await registry.stopAll();
  });

  it('gives the next slot to a critical delivery that arrives behind 1,000 normal ones', async () => {
    const clock = new ManualClock();
    const limiter = createRateLimiter({ max: 1, perMs: 1_000, maxConcurrent: 1 }, { clock });
    const { starts, job } = recorder(clock);
    const backlog = Array.from({ length: 1_000 }, (_, i) => limiter.schedule('normal', job(`normal-${i}`)));
    await settle();
    expect(limiter.queued()).toBe(999);
    const critical = limiter.schedule('critical', job('critical'));
    clock.advance(1_000);
    await critical;
    expect(starts.map((s) => s.name)).toEqual(['normal-0', 'critical']);
    await limiter.stop();
    await Promise.allSettled(backlog);
  });
});

describe('cost of a destination', () => {
  it('forgets a destination once it is idle: no entry, no log after its window, no wake-up', async () => {
    const clock = new ManualClock();
    const registry = new RateLimiterRegistry(undefined, 'test', { clock });
    const settings = { max: 2, perMs: 1_000, maxConcurrent: 1 };
    for (let i = 0; i < 100; i += 1) await registry.get(`webhook:endpoint-${i}`, settings).schedule('normal', async () => undefined);
    expect(registry.sizes()).toEqual({ active: 0, logs: 100 });
    clock.advance(1_000);
    expect(registry.sizes()).toEqual({ active: 0, logs: 0 });
    expect(clock.pending()).toBe(0);
  });

  it('forgets a destination whose waiting job gave up, and runs nothing for it', async () => {
    const clock = new ManualClock();
    const limiter = createRateLimiter({ max: 1, perMs: 1_000, maxConcurrent: 1 }, { clock });
    await limiter.schedule('normal', async () => undefined);
    const abort = new AbortController();
    let ran = false;
    const waiting = limiter.schedule('normal', async () => void (ran = true), abort.signal);
    await settle();
    expect(limiter.queued()).toBe(1);
    abort.abort();
    await expect(waiting).rejects.toBeInstanceOf(ShutdownAbortError);
    expect(limiter.queued()).toBe(0);
    clock.advance(1_000);
    await settle();
    expect(ran).toBe(false);
  });

  it('rejects waiting jobs once stopped, so shutdown is not held up', async () => {
    const clock = new ManualClock();
    const limiter = createRateLimiter({ max: 1, perMs: 60_000, maxConcurrent: 1 }, { clock });
    await limiter.schedule('normal', async () => 'first');
    const waiting = limiter.schedule('normal', async () => 'second');
    await settle();
    expect(limiter.queued()).toBe(1);
    await limiter.stop();
    await expect(waiting).rejects.toBeInstanceOf(ShutdownAbortError);
    expect(clock.pending()).toBe(0);
  });
});

describe('under churn', () => {
  it('runs every job that was not aborted exactly once, and forgets every destination after', async () => {
    const registry = new RateLimiterRegistry();
    const ran = new Map<number, number>();
    const levels = ['critical', 'high', 'normal', 'low'] as const;
    const jobs = Array.from({ length: 5_000 }, (_, i) => {
      const abort = new AbortController();
      const settings = { max: i % 7 === 0 ? null : 1_000_000, perMs: 1_000, maxConcurrent: 1 + (i % 5) };
      const done = registry.get(`webhook:d${i % 13}`, settings).schedule(
        levels[i % 4]!,
        async () => {
          ran.set(i, (ran.get(i) ?? 0) + 1);
          if (i % 3 === 0) await settle();
          if (i % 11 === 0) throw new Error('failed send');
        },
        abort.signal,
      );
      if (i % 17 === 0) abort.abort();
      return done.then(
        () => 'ok',
        (error: unknown) => (error instanceof ShutdownAbortError ? 'aborted' : 'failed'),
      );
    });
    const outcomes = await Promise.all(jobs);
    const aborted = outcomes.filter((o) => o === 'aborted').length;
    expect(aborted).toBeGreaterThan(0);
    expect(ran.size + aborted).toBe(5_000);
    expect([...ran.values()].every((n) => n === 1)).toBe(true);
    expect(registry.sizes().active).toBe(0);
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

  it('never runs more than maxConcurrent at once', async () => {
    const limiter = createRateLimiter({ max: 1_000, perMs: 1_000, maxConcurrent: 3 });
    let running = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 50 }, () =>
        limiter.schedule('normal', async () => {
          running += 1;
          most = Math.max(most, running);
          await settle();
          running -= 1;
        }),
      ),
    );
    expect(most).toBe(3);
  });
});

describe('the share reserved for critical messages (wedding-day mode)', () => {
  it('stops ordinary jobs at the unreserved part of the window and keeps the rest for critical ones', async () => {
    const clock = new ManualClock();
    const registry = new RateLimiterRegistry(undefined, 'reserve', { clock, reservedCriticalShare: 0.2 });
    const limiter = registry.get('email', { max: 10, perMs: 1_000, maxConcurrent: 20 });
    const { starts, job } = recorder(clock);
    const bulk = Array.from({ length: 20 }, (_, i) => limiter.schedule('normal', job(`n${i}`)));
    await settle();
    // Eight of ten: two slots of this window stay free.
    expect(starts.map((s) => s.name)).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7']);
    clock.advance(100);
    const urgent = [limiter.schedule('critical', job('c0')), limiter.schedule('critical', job('c1'))];
    await Promise.all(urgent);
    // The critical ones start in the same window, at once, not after the ordinary backlog.
    expect(starts.slice(8).map((s) => [s.name, s.atMs - starts[0]!.atMs])).toEqual([['c0', 100], ['c1', 100]]);
    expect(limiter.queued()).toBe(12);
    for (let step = 0; starts.length < 22 && step < 100; step += 1) {
      clock.advance(250);
      await settle();
    }
    await Promise.all(bulk);
    // And the whole never exceeds the limit in any window.
    expect(busiestWindow(starts.map((s) => s.atMs), 1_000)).toBeLessThanOrEqual(10);
  });

  it('reserves nothing by default', async () => {
    const clock = new ManualClock();
    const limiter = createRateLimiter({ max: 10, perMs: 1_000, maxConcurrent: 20 }, { clock });
    const { starts, job } = recorder(clock);
    const all = Promise.allSettled(Array.from({ length: 12 }, (_, i) => limiter.schedule('normal', job(`n${i}`))));
    await settle();
    expect(starts).toHaveLength(10);
    await limiter.stop();
    await all;
  });
});
