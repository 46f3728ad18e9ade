import { describe, expect, it } from '@jest/globals';
import { recentReading } from '../../../src/lib/recent-reading';

describe('a recent reading', () => {
  it('serves every caller within its age from one read, the read in flight included, and reads again after', async () => {
    const clock = { ms: 1_000 };
    let reads = 0;
    const backlog = recentReading(async () => ({ pending: (reads += 1) }), { maxAgeMs: 1_000 }, () => clock.ms);
    const [a, b] = await Promise.all([backlog(), backlog()]);
    clock.ms += 999;
    const c = await backlog();
    expect([a, b, c].map((r) => r.pending)).toEqual([1, 1, 1]);
    clock.ms += 1;
    expect((await backlog()).pending).toBe(2);
    expect(reads).toBe(2);
  });

  it('keeps no failed reading: the next caller reads again', async () => {
    let reads = 0;
    const flaky = recentReading(async () => {
      reads += 1;
      if (reads === 1) throw new Error('database away');
      return reads;
    }, { maxAgeMs: 60_000 }, () => 0);
    await expect(flaky()).rejects.toThrow('database away');
    await expect(flaky()).resolves.toBe(2);
    await expect(flaky()).resolves.toBe(2);
  });

  it('serves a slow reading ten times as long as it took when its busy share is a tenth, so a slow count is not repeated back to back', async () => {
    const clock = { ms: 0 };
    let reads = 0;
    let finish: (() => void) | undefined;
    const backlog = recentReading(
      () => new Promise<number>((resolve) => {
        reads += 1;
        finish = () => resolve(reads);
      }),
      { maxAgeMs: 1_000, busyShare: 0.1 },
      () => clock.ms,
    );
    const first = backlog();
    clock.ms = 2_000; // the count took 2 s
    finish!();
    await first;
    clock.ms = 19_999; // 2 s ÷ 0.1 = 20 s from its start
    await expect(backlog()).resolves.toBe(1);
    clock.ms = 20_000;
    const second = backlog();
    finish!();
    await expect(second).resolves.toBe(2);
    expect(reads).toBe(2);
  });

  it('serves a quick reading for its least age, not for ten times its duration', async () => {
    const clock = { ms: 0 };
    let reads = 0;
    const backlog = recentReading(async () => (reads += 1), { maxAgeMs: 1_000, busyShare: 0.1 }, () => clock.ms);
    await backlog();
    clock.ms = 1_000;
    await expect(backlog()).resolves.toBe(2);
  });
});
