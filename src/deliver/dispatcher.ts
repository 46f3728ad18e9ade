import { setMaxListeners } from 'node:events';
import { ShutdownAbortError } from '../channels/errors';
import { abortableSleep } from '../lib/abortable-sleep';
import type { Logger } from '../lib/logger';
import { attemptDelivery, describeFailure, DestinationUnavailableError, type AttemptOptions } from './attempt';
import type { ChannelRegistry } from '../channels/channel';
import type { Delivery } from '../decide/delivery';
import type { DeliveryOutcome } from './delivery-outcome';
import type { DeadLetterSink } from './dead-letters';
import { deliveryLogger } from './delivery-log';
import { destinationKey, type DestinationHealth } from './destinations';
import { describeChain, nextInChain } from './failover';
import type { RateLimiter } from './rate-limiter';
import type { QuickRetryPolicy } from './retry';

export interface DispatcherOptions {
  readonly channels: ChannelRegistry;
  readonly limiterFor: (delivery: Delivery) => RateLimiter;
  readonly retry: QuickRetryPolicy;
  readonly deadLetters: DeadLetterSink;
  readonly destinations: DestinationHealth;
  /** Deadline given to a critical message that took over from a failed channel. */
  readonly failoverDeadlineMs: number;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly onOutcome?: (delivery: Delivery, outcome: DeliveryOutcome) => void;
  readonly observe?: AttemptOptions['observe'];
}

export interface DrainResult {
  /** Ids of deliveries interrupted by the deadline (in memory: lost; durable: left queued). */
  readonly undelivered: readonly string[];
}

/** What the decide stage hands deliveries to, in memory or durable. */
export interface DeliveryRunner {
  submit(deliveries: readonly Delivery[]): Promise<void>;
  pending(): number;
  drain(deadlineMs: number): Promise<DrainResult>;
  forceAbort(): void;
}

/**
 * Delivery without a database: everything lives in this process, so a crash loses what is in
 * flight or waiting (quiet hours, hourly cap). Used only when DATABASE_URL is not set; the
 * durable queue replaces it otherwise. Deliveries wait in memory until they may go, then run
 * their quick attempts; a failure fails over, or becomes a dead letter.
 */
export class Dispatcher implements DeliveryRunner {
  private readonly inFlight = new Map<string, Promise<DeliveryOutcome>>();
  private readonly abort = new AbortController();
  private readonly abandoned: string[] = [];
  private readonly now: () => number;
  private accepting = true;

  constructor(private readonly options: DispatcherOptions) {
    this.now = options.now ?? Date.now;
    // Every running delivery listens on the one shutdown signal.
    setMaxListeners(0, this.abort.signal);
  }

  async submit(deliveries: readonly Delivery[]): Promise<void> {
    for (const delivery of deliveries) this.start(delivery);
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

  private start(delivery: Delivery): void {
    if (!this.accepting) {
      this.options.logger.error({ deliveryId: delivery.id, eventId: delivery.eventId }, 'not delivered: shutdown');
      this.abandoned.push(delivery.id);
      return;
    }
    if (this.inFlight.has(delivery.id)) return;
    const running = this.run(delivery).finally(() => this.inFlight.delete(delivery.id));
    this.inFlight.set(delivery.id, running);
  }

  private async run(delivery: Delivery): Promise<DeliveryOutcome> {
    const log = deliveryLogger(this.options.logger, delivery);
    const signal = this.abort.signal;
    let attempts = 0;
    let outcome: DeliveryOutcome;
    try {
      const disabled = this.options.destinations.isDisabled(destinationKey(delivery.channel, delivery.recipient));
      if (disabled) throw new DestinationUnavailableError(disabled.reason);
      if (delivery.notBeforeMs !== null && delivery.notBeforeMs > this.now()) await abortableSleep(delivery.notBeforeMs - this.now(), signal);
      const receipt = await this.untilNotParked(delivery, log, (n) => (attempts = n));
      outcome = { kind: 'delivered', attempts, ...(receipt.status ? { status: receipt.status } : {}) };
      log.info({ attempt: attempts, status: receipt.status, providerMessageId: receipt.providerMessageId }, 'delivered');
    } catch (error) {
      outcome = await this.settleFailure(delivery, error, attempts, log);
    }
    this.options.onOutcome?.(delivery, outcome);
    return outcome;
  }

  /** A spent provider quota waits, in memory, for the reset and starts its attempts afresh. */
  private async untilNotParked(delivery: Delivery, log: Logger, onAttempt: (n: number) => void) {
    for (;;) {
      try {
        const limiter = this.options.limiterFor(delivery);
        return await attemptDelivery(delivery, { ...this.options, limiter, signal: this.abort.signal, log, now: this.now, onAttempt });
      } catch (error) {
        const failure = describeFailure(error, this.abort.signal);
        if (failure.kind !== 'parked') throw error;
        log.warn({ resumeAt: new Date(failure.resumeAtMs).toISOString(), status: failure.status, alert: true }, 'provider quota spent; delivery parked');
        await abortableSleep(Math.max(0, failure.resumeAtMs - this.now()), this.abort.signal);
      }
    }
  }

  private async settleFailure(delivery: Delivery, error: unknown, attempts: number, log: Logger): Promise<DeliveryOutcome> {
    const failure = describeFailure(error, this.abort.signal);
    if (failure.kind === 'shutdown' || failure.kind === 'parked') {
      log.error({ attempt: attempts }, 'not delivered: shutdown');
      this.abandoned.push(delivery.id);
      return { kind: 'aborted', attempts };
    }
    const reason = `${failure.kind === 'permanent' ? 'permanent failure' : 'retries exhausted'}: ${failure.message}`;
    if (failure.gone) {
      const key = destinationKey(delivery.channel, delivery.recipient);
      const disabledReason = `${delivery.channel} answered ${failure.status ?? 'gone'}: ${failure.message}`;
      if (this.options.destinations.disable(key, disabledReason)) {
        log.error({ destination: key, status: failure.status, reason: disabledReason, alert: true }, 'destination disabled');
      }
    }
    const next = nextInChain(delivery, reason, this.now(), this.options.failoverDeadlineMs);
    if (next) {
      log.warn({ attempt: attempts, status: failure.status, reason, to: next.channel, chain: describeChain(delivery), nextDeliveryId: next.id }, 'failing over');
      this.start(next);
      return { kind: 'failed_over', attempts, reason, to: next.channel };
    }
    log.error(
      { attempt: attempts, status: failure.status, err: error, reason, deadLetter: true },
      failure.kind === 'permanent' ? 'delivery failed permanently' : 'delivery failed; retries exhausted',
    );
    await this.options.deadLetters.record(delivery, { reason, attempts, ...(failure.status ? { status: failure.status } : {}) });
    return { kind: 'dead_letter', attempts, reason, ...(failure.status ? { status: failure.status } : {}) };
  }
}
