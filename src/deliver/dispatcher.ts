import type { Channel, SendContext } from '../channels/channel';
import { DeliveryError, ShutdownAbortError } from '../channels/errors';
import { DestinationGoneError } from '../channels/errors-destination';
import { ParkedDeliveryError } from '../channels/errors-parked';
import { raceAbort } from '../channels/race-abort';
import type { ChannelKind, DeliveryMessage } from '../channels/messages';
import type { RetryConfig } from '../config/worker-config.schema';
import { abortableSleep } from '../lib/abortable-sleep';
import type { Logger } from '../lib/logger';
import type { DeadLetterSink } from './dead-letters';
import type { Delivery, DeliveryOutcome } from './delivery';
import { destinationKey, type DestinationHealth } from './destinations';
import { describeChain, nextInChain } from './failover';
import type { RateLimiter } from './rate-limiter';
import { withRetry } from './retry';

export type ChannelRegistry = Partial<{ [K in ChannelKind]: Channel<Extract<DeliveryMessage, { channel: K }>> }>;

export interface DispatcherOptions {
  readonly channels: ChannelRegistry;
  readonly limiterFor: (delivery: Delivery) => RateLimiter;
  readonly retry: RetryConfig;
  readonly deadLetters: DeadLetterSink;
  readonly destinations: DestinationHealth;
  /** Deadline given to a critical message that took over from a failed channel. */
  readonly failoverDeadlineMs: number;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly onOutcome?: (delivery: Delivery, outcome: DeliveryOutcome) => void;
}

export interface DrainResult {
  /** Ids of deliveries given up because the deadline came first. */
  readonly undelivered: readonly string[];
}

/**
 * Runs each delivery: wait until it may go, rate limit, one attempt, retried around the limiter
 * so a backoff never holds a slot; then deliver, fail over, or keep it as a dead letter. Tracks
 * what is in flight so shutdown can wait for it, then abort the rest.
 */
export class Dispatcher {
  private readonly inFlight = new Map<string, Promise<DeliveryOutcome>>();
  private readonly abort = new AbortController();
  private readonly abandoned: string[] = [];
  private readonly now: () => number;
  private accepting = true;

  constructor(private readonly options: DispatcherOptions) {
    this.now = options.now ?? Date.now;
  }

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
    // Failovers submitted while draining are refused and counted as abandoned.
    while (this.inFlight.size > 0) await Promise.all(this.inFlight.values());
    clearTimeout(timer);
    return { undelivered: [...this.abandoned] };
  }

  /** The deadline came, or a second signal: abort every attempt and wait now. */
  forceAbort(): void {
    if (!this.abort.signal.aborted) this.abort.abort(new ShutdownAbortError());
  }

  private async run(delivery: Delivery): Promise<DeliveryOutcome> {
    const log = this.options.logger.child({
      deliveryId: delivery.id,
      eventId: delivery.eventId,
      organizationId: delivery.organizationId,
      weddingId: delivery.weddingId,
      channel: delivery.channel,
      recipient: `${delivery.recipient.kind}:${delivery.recipient.id}`,
      priority: delivery.priority.level,
      ...delivery.log,
    });
    let attempts = 0;
    let outcome: DeliveryOutcome;
    try {
      const disabled = this.options.destinations.isDisabled(destinationKey(delivery.channel, delivery.recipient));
      if (disabled) throw new DestinationDisabled(disabled.reason);
      if (delivery.notBeforeMs !== null && delivery.notBeforeMs > this.now()) {
        await abortableSleep(delivery.notBeforeMs - this.now(), this.abort.signal);
      }
      const receipt = await this.attemptUntilNotParked(delivery, log, (n) => (attempts = n));
      outcome = { kind: 'delivered', attempts, ...(receipt.status ? { status: receipt.status } : {}) };
      log.info({ attempt: attempts, status: receipt.status, providerMessageId: receipt.providerMessageId }, 'delivered');
    } catch (error) {
      outcome = await this.settleFailure(delivery, error, attempts, log);
    }
    this.options.onOutcome?.(delivery, outcome);
    return outcome;
  }

  /** A parked delivery (spent provider quota) waits for the reset and starts its retries afresh. */
  private async attemptUntilNotParked(delivery: Delivery, log: Logger, onAttempt: (n: number) => void) {
    for (;;) {
      try {
        return await this.attemptWithRetries(delivery, log, onAttempt);
      } catch (error) {
        if (!(error instanceof ParkedDeliveryError) || this.abort.signal.aborted) throw error;
        log.warn({ resumeAt: error.resumeAt.toISOString(), status: error.status, alert: true }, 'provider quota spent; delivery parked');
        await abortableSleep(Math.max(0, error.resumeAt.getTime() - this.now()), this.abort.signal);
      }
    }
  }

  private attemptWithRetries(delivery: Delivery, log: Logger, onAttempt: (n: number) => void) {
    const signal = this.abort.signal;
    const channel = this.options.channels[delivery.channel] as Channel<DeliveryMessage> | undefined;
    if (!channel) throw new DestinationDisabled(`channel ${delivery.channel} is not configured`);
    const limiter = this.options.limiterFor(delivery);
    const remainingMs = delivery.deadlineMs === null ? undefined : Math.max(1, delivery.deadlineMs - this.now());
    return withRetry(
      (attempt) => {
        onAttempt(attempt);
        const context: SendContext = { signal, attempt, deliveryId: delivery.id };
        // Bottleneck cannot cancel a queued job: stop waiting for it instead; the job then no-ops.
        return raceAbort(
          limiter.schedule(delivery.priority.level, () => {
            signal.throwIfAborted();
            return channel.send(delivery.message, context);
          }),
          signal,
        );
      },
      remainingMs === undefined ? this.options.retry : { ...this.options.retry, maxRetryTimeMs: remainingMs },
      {
        signal,
        onRetry: (error, attempt, retryAfterMs) =>
          log.warn({ attempt, status: statusOf(error), retryAfterMs, err: error }, 'delivery attempt failed; will retry'),
      },
    );
  }

  private async settleFailure(delivery: Delivery, error: unknown, attempts: number, log: Logger): Promise<DeliveryOutcome> {
    if (error instanceof ShutdownAbortError || this.abort.signal.aborted) {
      log.error({ attempt: attempts }, 'not delivered: shutdown');
      this.abandoned.push(delivery.id);
      return { kind: 'aborted', attempts };
    }
    const status = statusOf(error);
    const permanent = error instanceof DestinationDisabled || (error instanceof DeliveryError && !error.retryable);
    const message = error instanceof Error ? error.message : String(error);
    const reason = `${permanent ? 'permanent failure' : 'retries exhausted'}: ${message}`;
    if (error instanceof DestinationGoneError) {
      const key = destinationKey(delivery.channel, delivery.recipient);
      if (this.options.destinations.disable(key, `${delivery.channel} answered ${status ?? 'gone'}: ${message}`)) {
        log.error({ destination: key, status, alert: true }, 'destination disabled: it answered gone');
      }
    }
    const next = nextInChain(delivery, reason, this.now(), this.options.failoverDeadlineMs);
    if (next) {
      log.warn({ attempt: attempts, status, reason, to: next.channel, chain: describeChain(delivery), nextDeliveryId: next.id }, 'failing over');
      this.submit(next);
      return { kind: 'failed_over', attempts, reason, to: next.channel };
    }
    log.error(
      { attempt: attempts, status, err: error, reason, deadLetter: true },
      permanent ? 'delivery failed permanently' : 'delivery failed; retries exhausted',
    );
    await this.options.deadLetters.record(delivery, { reason, attempts, ...(status ? { status } : {}) });
    return { kind: 'dead_letter', attempts, reason, ...(status ? { status } : {}) };
  }
}

/** Not sent because where it goes is switched off or missing; no attempt is made. */
class DestinationDisabled extends Error {
  constructor(reason: string) {
    super(`destination disabled: ${reason}`);
    this.name = 'DestinationDisabled';
  }
}

function statusOf(error: unknown): number | undefined {
  return error instanceof DeliveryError ? error.status : undefined;
}
