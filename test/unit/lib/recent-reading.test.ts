import { describe, expect, it } from '@jest/globals';
import { recentReading } from '../../../src/lib/recent-reading';

describe('a recent reading', () => {
  it('serves every caller within its age from one read, the read in flight included, and reads again after', async () => {
    const clock = { ms: 1_000 };
    let reads = 0;
    const backlog = recentReading(async () => ({ pending: (reads += 1) }), 1_000, () => clock.ms);
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
    }, 60_000, () => 0);
    await expect(flaky()).rejects.toThrow('database away');
    await expect(flaky()).resolves.toBe(2);
    await expect(flaky()).resolves.toBe(2);
  });
});
