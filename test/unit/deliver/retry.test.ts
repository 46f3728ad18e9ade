import { describe, expect, it } from '@jest/globals';
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

  it('waits at least the Retry-After before the next attempt, capped by policy', async () => {
    const times: number[] = [];
    const waits: number[] = [];
    await withRetry(
      async () => {
        times.push(Date.now());
        if (times.length === 1) throw new RetryableDeliveryError('HTTP 429', 429, 300);
        if (times.length === 2) throw new RetryableDeliveryError('HTTP 429', 429, 60_000);
        return 'ok';
      },
      { ...policy, maxRetryAfterMs: 50 },
      { signal: new AbortController().signal, onRetry: (_e, _a, wait) => waits.push(wait) },
    );
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(50);
    expect(waits).toEqual([50, 50]);
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
