import { RetryableDeliveryError } from './errors';
import { raceAbort } from './race-abort';

/**
 * Runs a provider call that must answer within `timeoutMs`. The call gets a signal that aborts at
 * the deadline or at shutdown; a missed deadline is a retryable failure, a shutdown stays one.
 */
export async function withDeadline<T>(work: (signal: AbortSignal) => Promise<T>, timeoutMs: number, shutdown: AbortSignal, what: string): Promise<T> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([shutdown, timeout]);
  try {
    return await raceAbort(work(signal), signal);
  } catch (error) {
    if (timeout.aborted && !shutdown.aborted) throw new RetryableDeliveryError(`${what}: no answer within ${timeoutMs} ms`, undefined, undefined, { cause: error });
    throw error;
  }
}
