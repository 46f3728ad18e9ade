import pRetry, { AbortError } from 'p-retry';
import type { RetryConfig } from '../config/worker-config.schema';
import { DeliveryError, ShutdownAbortError } from '../channels/errors';
import { ParkedDeliveryError } from '../channels/errors-parked';
import { abortableSleep } from '../lib/abortable-sleep';

/** The in-process part of the retry policy: a few quick attempts around a transient blip. */
export type QuickRetryPolicy = Pick<RetryConfig, 'attempts' | 'minDelayMs' | 'maxDelayMs' | 'factor' | 'maxRetryAfterMs'> & {
  /** Stop retrying once this much time has passed (a critical delivery's deadline). */
  readonly maxRetryTimeMs?: number;
  /**
   * A Retry-After longer than this ends the quick attempts and the failure is thrown, for the
   * caller to reschedule: a sleeping attempt would hold a queue slot. Unset: always waited here.
   */
  readonly handBackRetryAfterOverMs?: number;
};

export interface RetryHooks {
  readonly signal: AbortSignal;
  /** Called after each failed attempt that will be retried. */
  readonly onRetry?: (error: Error, attempt: number, waitMs: number) => void;
}

/**
 * Runs `attempt` until it succeeds, fails permanently, or the attempts run out. The only place
 * where error classes become retry behaviour: a permanent DeliveryError stops at once; a
 * Retry-After is honoured (capped) on top of the exponential, jittered backoff.
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  policy: QuickRetryPolicy,
  hooks: RetryHooks,
): Promise<T> {
  return pRetry(
    async (n) => {
      try {
        return await attempt(n);
      } catch (error) {
        if (hooks.signal.aborted || error instanceof ShutdownAbortError) throw new AbortError(new ShutdownAbortError());
        if (error instanceof DeliveryError && !error.retryable) throw new AbortError(error);
        // A spent quota fails the same way until it resets: quick retries would only burn attempts.
        if (error instanceof ParkedDeliveryError) throw new AbortError(error);
        if (policy.handBackRetryAfterOverMs !== undefined && retryAfterOf(error) > policy.handBackRetryAfterOverMs) throw new AbortError(error as Error);
        throw error;
      }
    },
    {
      retries: policy.attempts - 1,
      factor: policy.factor,
      minTimeout: policy.minDelayMs,
      maxTimeout: policy.maxDelayMs,
      randomize: true,
      ...(policy.maxRetryTimeMs === undefined ? {} : { maxRetryTime: policy.maxRetryTimeMs }),
      signal: hooks.signal,
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft <= 0) return;
        const extraWaitMs = Math.min(retryAfterOf(error), policy.maxRetryAfterMs);
        hooks.onRetry?.(error, attemptNumber, extraWaitMs);
        if (extraWaitMs > 0) await abortableSleep(extraWaitMs, hooks.signal);
      },
    },
  );
}

function retryAfterOf(error: unknown): number {
  return error instanceof DeliveryError && 'retryAfterMs' in error ? Number(error.retryAfterMs ?? 0) : 0;
}
