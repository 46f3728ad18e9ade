import { describe, expect, it } from '@jest/globals';
import { workerConfigSchema } from '../../../src/config/worker-config.schema';
import { nextRun } from '../../../src/deliver/durable/retry-schedule';

const policy = workerConfigSchema.parse({ subscriptions: [{ name: 's', table: 't' }] }).retry;
const mid = () => 0.5; // no jitter
const NOW = 1_000_000;

describe('nextRun', () => {
  it('follows the normal ladder: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then gives up', () => {
    const waits = Array.from({ length: 7 }, (_, i) => {
      const next = nextRun({ runs: i + 1, level: 'normal', nowMs: NOW, deadlineMs: null, policy, random: mid });
      return next.kind === 'retry' ? next.atMs - NOW : -1;
    });
    expect(waits).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(nextRun({ runs: 8, level: 'normal', nowMs: NOW, deadlineMs: null, policy, random: mid })).toEqual({ kind: 'give_up', reason: 'exhausted' });
  });

  it('retries critical messages within seconds, and expires them at their deadline', () => {
    expect(nextRun({ runs: 1, level: 'critical', nowMs: NOW, deadlineMs: NOW + 60_000, policy, random: mid })).toEqual({ kind: 'retry', atMs: NOW + 2_000 });
    expect(nextRun({ runs: 5, level: 'critical', nowMs: NOW, deadlineMs: NOW + 10_000, policy, random: mid })).toEqual({ kind: 'give_up', reason: 'expired' });
  });

  it('varies waits by the jitter, both ways', () => {
    const low = nextRun({ runs: 2, level: 'normal', nowMs: 0, deadlineMs: null, policy, random: () => 0 });
    const high = nextRun({ runs: 2, level: 'normal', nowMs: 0, deadlineMs: null, policy, random: () => 0.999999 });
    expect(low).toEqual({ kind: 'retry', atMs: 240_000 });
    expect(high.kind === 'retry' && high.atMs).toBeGreaterThan(359_000);
  });

  it('never retries sooner than a Retry-After, and caps it', () => {
    expect(nextRun({ runs: 1, level: 'normal', nowMs: 0, retryAfterMs: 120_000, deadlineMs: null, policy, random: mid })).toEqual({ kind: 'retry', atMs: 120_000 });
    const capped = nextRun({ runs: 1, level: 'normal', nowMs: 0, retryAfterMs: 999 * 3_600_000, deadlineMs: null, policy, random: mid });
    expect(capped).toEqual({ kind: 'retry', atMs: 24 * 3_600_000 });
  });
});
