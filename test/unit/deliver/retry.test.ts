import { describe, expect, it, jest } from '@jest/globals';
import { PermanentDeliveryError, RetryableDeliveryError, ShutdownAbortError } from '../../../src/channels/errors';
import { withRetry } from '../../../src/deliver/retry';

const policy = { attempts: 4, minDelayMs: 1, maxDelayMs: 5, factor: 2, maxRetryAfterMs: 1_000 };

describe('withRetry', () => {
  it('retries retryable failures until one succeeds', async () => {
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls += 1;
        if (calls < 3) throw new RetryableDeliveryError('HTTP 500', 500);
        return 'ok';
      },
      policy,
      { signal: new AbortController().signal },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('stops at the first permanent failure and rethrows it', async () => {
    let calls = 0;
    const failure = new PermanentDeliveryError('HTTP 400', 400);
    await expect(
      withRetry(
        async () => {
          calls += 1;
          throw failure;
        },
        policy,
        { signal: new AbortController().signal },
      ),
    ).rejects.toBe(failure);
    expect(calls).toBe(1);
  });

  it('gives up after the configured number of attempts with the last error', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls += 1;
          throw new RetryableDeliveryError(`HTTP 503 #${calls}`, 503);
        },
        policy,
        { signal: new AbortController().signal },
      ),
    ).rejects.toThrow('HTTP 503 #4');
    expect(calls).toBe(4);
  });

  // The clock is Jest's fake one: the waits are read off it, never measured on a real timer.
  it('waits the whole Retry-After when it is under the cap, and the cap when it is over', async () => {
    jest.useFakeTimers();
    try {
      const at: number[] = [];
      const waits: number[] = [];
      const running = withRetry(
        async () => {
          at.push(Date.now());
          if (at.length === 1) throw new RetryableDeliveryError('HTTP 429', 429, 300);
          if (at.length === 2) throw new RetryableDeliveryError('HTTP 429', 429, 60_000);
          return 'ok';
        },
        { ...policy, maxRetryAfterMs: 1_000 },
        { signal: new AbortController().signal, onRetry: (_e, _a, wait) => waits.push(wait) },
      );
      await jest.advanceTimersByTimeAsync(299);
      expect(at).toHaveLength(1); // 1 ms short of the Retry-After: no second attempt yet
      await jest.runAllTimersAsync();
      await expect(running).resolves.toBe('ok');
      expect(waits).toEqual([300, 1_000]);
      const [first, second, third] = at as [number, number, number];
      // The Retry-After, plus at most the policy's own backoff.
      expect(second - first).toBeGreaterThanOrEqual(300);
      expect(second - first).toBeLessThanOrEqual(300 + policy.maxDelayMs);
      // 60 s asked, capped to 1 s.
      expect(third - second).toBeGreaterThanOrEqual(1_000);
      expect(third - second).toBeLessThanOrEqual(1_000 + policy.maxDelayMs);
    } finally {
      jest.useRealTimers();
    }
  });

  it('ends a backoff wait at once when the signal aborts', async () => {
    const controller = new AbortController();
    const running = withRetry(
      async () => {
        throw new RetryableDeliveryError('HTTP 429', 429, 60_000);
      },
      { ...policy, maxRetryAfterMs: 60_000 },
      { signal: controller.signal, onRetry: () => setImmediate(() => controller.abort(new ShutdownAbortError())) },
    );
    await expect(running).rejects.toBeInstanceOf(ShutdownAbortError);
  });
});
