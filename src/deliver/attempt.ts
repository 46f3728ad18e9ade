import type { Channel, ChannelRegistry, DeliveryReceipt, SendContext } from '../channels/channel';
import type { ChannelKind } from '../vocabulary';
import type { Delivery } from '../decide/delivery';
import { DeliveryError, RetryableDeliveryError, ShutdownAbortError } from '../channels/errors';
import { DestinationGoneError } from '../channels/errors-destination';
import { ParkedDeliveryError } from '../channels/errors-parked';
import { classifyUnexpected } from '../channels/errors-unexpected';
import type { DeliveryMessage } from '../channels/messages';
import { raceAbort } from '../channels/race-abort';
import type { Logger } from '../lib/logger';
import type { RateLimiter } from './rate-limiter';
import { withRetry, type QuickRetryPolicy } from './retry';

export interface AttemptOptions {
  readonly channels: ChannelRegistry;
  readonly limiter: RateLimiter;
  readonly retry: QuickRetryPolicy;
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly now: () => number;
  readonly onAttempt: (attempt: number) => void;
  /** Every provider request, timed (the limiter wait excluded). */
  readonly observe?: (channel: ChannelKind, outcome: 'success' | 'retryable' | 'permanent', seconds: number) => void;
}

/** Not sent because where it goes is switched off or missing; no attempt is made. */
export class DestinationUnavailableError extends Error {
  constructor(reason: string) {
    super(`destination disabled: ${reason}`);
    this.name = 'DestinationUnavailableError';
  }
}

/**
 * One run of a delivery: a few quick attempts, each waiting for the destination's rate limit,
 * retried around the limiter so a backoff never holds a slot. Throws the last failure.
 */
export function attemptDelivery(delivery: Delivery, options: AttemptOptions): Promise<DeliveryReceipt> {
  const { signal, limiter, log } = options;
  const channel = options.channels[delivery.channel] as Channel<DeliveryMessage> | undefined;
  if (!channel) return Promise.reject(new DestinationUnavailableError(`channel ${delivery.channel} is not configured`));
  const remainingMs = delivery.deadlineMs === null ? undefined : Math.max(1, delivery.deadlineMs - options.now());
  return withRetry(
    (attempt) => {
      options.onAttempt(attempt);
      const context: SendContext = { signal, attempt, deliveryId: delivery.id };
      // The signal takes a waiting job out of the queue; a running one stops being waited for.
      return raceAbort(
        limiter.schedule(delivery.priority.level, async () => {
          signal.throwIfAborted();
          const started = performance.now();
          const seconds = () => (performance.now() - started) / 1000;
          try {
            const receipt = await channel.send(delivery.message, context);
            options.observe?.(delivery.channel, 'success', seconds());
            return receipt;
          } catch (thrown) {
            if (signal.aborted) throw thrown;
            // What the channel left unclassified is classified here, once, for the retries and the ledger.
            const error = classifyUnexpected(thrown);
            options.observe?.(delivery.channel, error instanceof DeliveryError && !error.retryable ? 'permanent' : 'retryable', seconds());
            throw error;
          }
        }, signal),
        signal,
      );
    },
    remainingMs === undefined ? options.retry : { ...options.retry, maxRetryTimeMs: remainingMs },
    {
      signal,
      onRetry: (error, attempt, retryAfterMs) =>
        log.warn({ attempt, status: statusOf(error), retryAfterMs, err: error }, 'delivery attempt failed; will retry'),
    },
  );
}

export type Failure =
  | { readonly kind: 'shutdown' }
  | { readonly kind: 'parked'; readonly resumeAtMs: number; readonly status?: number; readonly message: string }
  | {
      readonly kind: 'permanent' | 'retryable';
      readonly message: string;
      readonly status?: number;
      readonly retryAfterMs?: number;
      /** The destination answered that it no longer exists (Slack/Teams/webhook 404/410). */
      readonly gone: boolean;
    };

/** What a thrown failure means for the delivery, by error class only. */
export function describeFailure(error: unknown, signal: AbortSignal): Failure {
  if (error instanceof ShutdownAbortError || signal.aborted) return { kind: 'shutdown' };
  // Only a classified failure's message is written to the ledger: any other can quote a secret.
  const message = error instanceof DeliveryError || error instanceof DestinationUnavailableError ? error.message : `${error instanceof Error ? error.name : typeof error} before the send`;
  const status = statusOf(error);
  if (error instanceof ParkedDeliveryError) return { kind: 'parked', resumeAtMs: error.resumeAt.getTime(), message, ...(status ? { status } : {}) };
  const permanent = error instanceof DestinationUnavailableError || (error instanceof DeliveryError && !error.retryable);
  const retryAfterMs = error instanceof RetryableDeliveryError ? error.retryAfterMs : undefined;
  return {
    kind: permanent ? 'permanent' : 'retryable',
    message,
    gone: error instanceof DestinationGoneError,
    ...(status ? { status } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
}

export function statusOf(error: unknown): number | undefined {
  return error instanceof DeliveryError ? error.status : undefined;
}
