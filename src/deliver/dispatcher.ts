import type { Channel } from '../channels/channel';
import { DeliveryError, ShutdownAbortError } from '../channels/errors';
import type { WebhookMessage } from '../channels/messages';
import type { RetryConfig } from '../config/worker-config.schema';
import type { Logger } from '../lib/logger';
import type { DeadLetterSink } from './dead-letters';
import type { Delivery, DeliveryOutcome } from './delivery';
import type { RateLimiter } from './rate-limiter';
import { withRetry } from './retry';

export interface DispatcherOptions {
  readonly webhook: Channel<WebhookMessage>;
  readonly limiterFor: (delivery: Delivery) => RateLimiter;
  readonly retry: RetryConfig;
  readonly deadLetters: DeadLetterSink;
  readonly logger: Logger;
  readonly onOutcome?: (delivery: Delivery, outcome: DeliveryOutcome) => void;
}

export interface DrainResult {
  /** Ids of deliveries given up because the deadline came first. */
  readonly undelivered: readonly string[];
}

/**
 * Runs each delivery: rate limit, then one attempt, retried around the limiter so a backoff wait
 * never holds a slot. Tracks what is in flight so shutdown can wait for it, then abort the rest.
 */
export class Dispatcher {
  private readonly inFlight = new Map<string, Promise<DeliveryOutcome>>();
  private readonly abort = new AbortController();
  private readonly abandoned: string[] = [];
  private accepting = true;

  constructor(private readonly options: DispatcherOptions) {}

  /** Starts a delivery unless the same id is already running. False once draining. */
  submit(delivery: Delivery): boolean {
    if (!this.accepting) {
      this.options.logger.error({ deliveryId: delivery.id, eventId: delivery.eventId }, 'not delivered: shutdown');
      this.abandoned.push(delivery.id);
      return false;
    }
    if (this.inFlight.has(delivery.id)) return true;
    const running = this.run(delivery).finally(() => this.inFlight.delete(delivery.id));
    this.inFlight.set(delivery.id, running);
    return true;
  }

  pending(): number {
    return this.inFlight.size;
  }

  /** Stops taking work, waits for what runs until the deadline, then aborts it. Idempotent. */
  async drain(deadlineMs: number): Promise<DrainResult> {
    this.accepting = false;
    const timer = setTimeout(() => this.forceAbort(), deadlineMs);
    await Promise.all(this.inFlight.values());
    clearTimeout(timer);
    return { undelivered: [...this.abandoned] };
  }

  /** The deadline came, or a second signal: abort every attempt and backoff wait now. */
  forceAbort(): void {
    if (!this.abort.signal.aborted) this.abort.abort(new ShutdownAbortError());
  }

  private async run(delivery: Delivery): Promise<DeliveryOutcome> {
    const log = this.options.logger.child({
      deliveryId: delivery.id,
      eventId: delivery.eventId,
      channel: delivery.channel,
      destination: delivery.destination,
      priority: delivery.priority.level,
      ...delivery.log,
    });
    const signal = this.abort.signal;
    const limiter = this.options.limiterFor(delivery);
    let attempts = 0;
    let outcome: DeliveryOutcome;
    try {
      const receipt = await withRetry(
        (attempt) => {
          attempts = attempt;
          return raceAbort(
            limiter.schedule(delivery.priority.level, () => {
              signal.throwIfAborted();
              return this.options.webhook.send(delivery.message, { signal, attempt, deliveryId: delivery.id });
            }),
            signal,
          );
        },
        this.options.retry,
        {
          signal,
          onRetry: (error, attempt, retryAfterMs) =>
            log.warn({ attempt, status: statusOf(error), retryAfterMs, err: error }, 'delivery attempt failed; will retry'),
        },
      );
      outcome = { kind: 'delivered', attempts, ...(receipt.status ? { status: receipt.status } : {}) };
      log.info({ attempt: attempts, status: receipt.status }, 'delivered');
    } catch (error) {
      outcome = await this.settleFailure(delivery, error, attempts, log);
    }
    this.options.onOutcome?.(delivery, outcome);
    return outcome;
  }

  private async settleFailure(delivery: Delivery, error: unknown, attempts: number, log: Logger): Promise<DeliveryOutcome> {
    if (error instanceof ShutdownAbortError || this.abort.signal.aborted) {
      log.error({ attempt: attempts }, 'not delivered: shutdown');
      this.abandoned.push(delivery.id);
      return { kind: 'aborted', attempts };
    }
    const status = statusOf(error);
    const permanent = error instanceof DeliveryError && !error.retryable;
    const reason = `${permanent ? 'permanent failure' : 'retries exhausted'}: ${error instanceof Error ? error.message : String(error)}`;
    log.error(
      { attempt: attempts, status, err: error, reason, deadLetter: true },
      permanent ? 'delivery failed permanently' : 'delivery failed; retries exhausted',
    );
    await this.options.deadLetters.record(delivery, { reason, attempts, ...(status ? { status } : {}) });
    return { kind: 'dead_letter', attempts, reason, ...(status ? { status } : {}) };
  }
}

function statusOf(error: unknown): number | undefined {
  return error instanceof DeliveryError ? error.status : undefined;
}

/** Bottleneck cannot cancel a queued job; stop waiting for it instead, and the job no-ops later. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
