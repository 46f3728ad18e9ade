import type { RetryConfig } from '../../config/worker-config.schema';
import type { Logger } from '../../lib/logger';
import type { DeliveryOutcome } from '../delivery-outcome';
import type { Failure } from '../attempt';
import { destinationKey, type DestinationHealth } from '../destinations';
import { describeChain, nextInChain } from '../failover';
import type { StoredDelivery } from '../stored-delivery';
import type { DeliveryLedger, LedgerRow } from './delivery-ledger';
import { deliverTaskOf } from './delivery-tasks';
import { hasBreaker, type DestinationBreaker } from './destination-breaker';
import { nextRun } from './retry-schedule';

export interface SettlementParts {
  readonly ledger: DeliveryLedger;
  readonly breaker: DestinationBreaker;
  /** This replica's view of disabled destinations, for /readyz. */
  readonly destinations: DestinationHealth;
  readonly retry: RetryConfig;
  readonly failoverDeadlineMs: number;
  readonly now: () => number;
  /** Wakes one of this process's workers of a task, now or when a job it put back is due. */
  readonly wake: (task: string, afterMs?: number) => void;
  /** Runs interrupted by shutdown, which the queue's drain reports. */
  readonly interrupted: string[];
  readonly onOutcome?: (delivery: StoredDelivery, outcome: DeliveryOutcome) => void;
}

/**
 * What a run that did not deliver leaves in the ledger: put back for the next process (shutdown),
 * parked until a spent quota resumes, retried along its level's ladder, failed over to the next
 * channel of its chain, or a dead letter with its reason; the destination's breaker told first.
 */
export class RunSettlement {
  constructor(private readonly parts: SettlementParts) {}

  async failed(row: LedgerRow, log: Logger, failure: Failure, attempts: number, error: unknown): Promise<void> {
    const delivery = row.payload;
    if (failure.kind === 'shutdown') {
      await this.parts.ledger.reschedule(row.id, { atMs: this.parts.now(), attempts, countRun: false });
      this.parts.interrupted.push(row.id);
      log.warn({ attempt: attempts }, 'interrupted by shutdown; left in the queue for the next run');
      this.parts.onOutcome?.(delivery, { kind: 'aborted', attempts });
      return;
    }
    if (failure.kind === 'parked') {
      await this.parts.ledger.reschedule(row.id, { atMs: failure.resumeAtMs, attempts, countRun: false, error: failure.message });
      log.warn({ resumeAt: new Date(failure.resumeAtMs).toISOString(), status: failure.status, alert: true }, 'provider quota spent; delivery parked');
      return;
    }
    const key = destinationKey(delivery.channel, delivery.recipient);
    if (hasBreaker(key) && (failure.kind === 'retryable' || failure.gone)) {
      const verdict = await this.parts.breaker.failure(key, { message: failure.message, gone: failure.gone, organizationId: delivery.organizationId });
      if (verdict.disabled) {
        const reason = `${delivery.channel} answered ${failure.status ?? 'with errors'}: ${failure.message}`;
        this.parts.destinations.disable(key, reason);
        log.error({ destination: key, status: failure.status, reason, alert: true }, 'destination disabled');
      }
      if (verdict.heldForWedding) {
        this.parts.destinations.hold(key, `failing during a wedding's protected window, kept enabled: ${failure.message}`);
        log.error({ destination: key, status: failure.status, alert: true }, 'destination failing during a wedding protected window; kept enabled');
      }
    }
    if (failure.kind === 'permanent') return this.giveUp(row, log, failure, attempts, error);
    const next = nextRun({
      runs: row.runs + 1,
      level: delivery.priority.level,
      nowMs: this.parts.now(),
      deadlineMs: delivery.deadlineMs,
      policy: this.parts.retry,
      ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
    });
    if (next.kind === 'give_up') {
      const reason = next.reason === 'expired' ? 'expired' : 'retries exhausted';
      return this.giveUp(row, log, { ...failure, message: `${reason}: ${failure.message}` }, attempts, error);
    }
    await this.parts.ledger.reschedule(row.id, { atMs: next.atMs, attempts, countRun: true, error: failure.message, ...(failure.status ? { status: failure.status } : {}) });
    this.parts.wake(deliverTaskOf(delivery.priority.level), next.atMs - this.parts.now());
    log.warn({ attempt: attempts, status: failure.status, nextAttemptAt: new Date(next.atMs).toISOString(), err: error }, 'delivery run failed; rescheduled');
  }

  /** Behind an open circuit: wait for the probe time, or give up if the message expires first. */
  async waitForCircuit(row: LedgerRow, log: Logger, untilMs: number): Promise<void> {
    const atMs = untilMs + Math.random() * 1_000;
    const deadline = row.payload.deadlineMs;
    if (deadline !== null && atMs > deadline) {
      return this.giveUp(row, log, { kind: 'retryable', message: 'expired: circuit open until after the deadline', gone: false }, 0);
    }
    await this.parts.ledger.putBack(row.id, atMs);
    log.debug({ until: new Date(untilMs).toISOString() }, 'circuit open; delivery waits');
  }

  /** The end of this delivery: the next channel of its chain, or a dead letter with the reason. */
  async giveUp(row: LedgerRow, log: Logger, failure: Exclude<Failure, { kind: 'shutdown' | 'parked' }>, attempts: number, error?: unknown): Promise<void> {
    const delivery = row.payload;
    const reason = failure.kind === 'permanent' && !failure.message.startsWith('destination disabled') ? `permanent failure: ${failure.message}` : failure.message;
    const next = nextInChain(delivery, reason, this.parts.now(), this.parts.failoverDeadlineMs);
    const status = failure.status;
    if (next) {
      await this.parts.ledger.failOver(row.id, { attempts, reason, ...(status ? { status } : {}) }, next);
      this.parts.wake(deliverTaskOf(next.priority.level));
      log.warn({ attempt: attempts, status, reason, to: next.channel, chain: describeChain(delivery), nextDeliveryId: next.id }, 'failing over');
      this.parts.onOutcome?.(delivery, { kind: 'failed_over', attempts, reason, to: next.channel });
      return;
    }
    await this.parts.ledger.markDead(row.id, { attempts, reason, ...(status ? { status } : {}) });
    log.error(
      { attempt: attempts, status, reason, err: error, deadLetter: true },
      failure.kind === 'permanent' ? 'delivery failed permanently' : 'delivery failed; retries exhausted',
    );
    this.parts.onOutcome?.(delivery, { kind: 'dead_letter', attempts, reason, ...(status ? { status } : {}) });
  }
}
