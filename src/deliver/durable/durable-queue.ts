import { setMaxListeners } from 'node:events';
import type { JobHelpers } from 'graphile-worker';
import type { Pool } from 'pg';
import type { DeliveryReceipt } from '../../channels/channel';
import { ShutdownAbortError } from '../../channels/errors';
import type { EndpointHealthConfig, QueueConfig, RetentionConfig, RetryConfig } from '../../config/worker-config.schema';
import type { ChannelRegistry } from '../../channels/channel';
import type { Delivery } from '../../decide/delivery';
import type { DeliveryOutcome } from '../delivery-outcome';
import type { Logger } from '../../lib/logger';
import { attemptDelivery, describeFailure, DestinationUnavailableError, type AttemptOptions } from '../attempt';
import { deliveryLogger } from '../delivery-log';
import { destinationKey, type DestinationHealth } from '../destinations';
import type { DeliveryRunner, DrainResult } from '../dispatcher';
import type { RateLimiter } from '../rate-limiter';
import { DeliveryLedger, DELIVER_TASK, type LedgerRow } from './delivery-ledger';
import { deliverTaskOf } from './delivery-tasks';
import { AddressUnavailableError, type AddressBook } from '../address-book';
import type { StoredDelivery } from '../stored-delivery';
import { BatchedEnqueue } from './batched-enqueue';
import { BusyDestinations } from './busy-destinations';
import { DestinationBreaker, hasBreaker } from './destination-breaker';
import { DestinationPace } from './destination-pace';
import { LedgerRetention } from './ledger-retention';
import { SentBookkeeping } from './sent-bookkeeping';
import { DeliveryRunners } from './delivery-runners';
import { RunSettlement } from './run-settlement';
import type { RunnerState } from './supervised-runner';
import { WorkerLiveness } from './worker-liveness';

export interface DurableQueueOptions {
  /** Where deliveries are persisted: the deciding side's pool. */
  readonly pool: Pool;
  /** Where heart-beats go, apart from the deliveries' pool so they cannot be starved; default: `jobPool`. */
  readonly heartbeatPool?: Pool;
  /** graphile-worker's pool and that of everything a run reads and writes (pool-size.ts). */
  readonly jobPool: Pool;
  readonly queue: QueueConfig;
  readonly retry: RetryConfig;
  readonly endpointHealth: EndpointHealthConfig;
  readonly retention: RetentionConfig;
  readonly channels: ChannelRegistry;
  /** Where the addresses and secrets the ledger does not keep are read back at send time. */
  readonly addresses: AddressBook;
  readonly limiterFor: (delivery: Delivery) => RateLimiter;
  /** This replica's view of disabled destinations, for /readyz. */
  readonly destinations: DestinationHealth;
  readonly failoverDeadlineMs: number;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly onOutcome?: (delivery: StoredDelivery, outcome: DeliveryOutcome) => void;
  readonly observe?: AttemptOptions['observe'];
  /** More graphile-worker tasks run by the same workers, by task name: digests (src/deliver/digest/), escalation timers. */
  readonly tasks?: Readonly<Record<string, (payload: unknown, helpers: JobHelpers) => Promise<unknown>>>;
}

/**
 * Deliveries persisted in PostgreSQL before their first attempt and run by graphile-worker:
 * LISTEN/NOTIFY pickup, job priority from the delivery's score (critical first), critical and high
 * on a runner of their own (delivery-runners.ts), safe across replicas. A run makes a few quick
 * attempts; a failure is rescheduled along the level's ladder, fails over, or becomes a dead
 * letter — each decision written to the ledger. At shutdown, interrupted runs are put back in the
 * queue for the next process.
 */
export class DurableQueue implements DeliveryRunner {
  readonly ledger: DeliveryLedger;
  private readonly breaker: DestinationBreaker;
  private readonly liveness: WorkerLiveness;
  private readonly retention: LedgerRetention;
  private readonly runner: DeliveryRunners;
  private readonly abort = new AbortController();
  private readonly running = new Set<string>();
  private readonly interrupted: string[] = [];
  private readonly wakeTimers = new Set<NodeJS.Timeout>();
  private readonly pace: DestinationPace;
  private readonly busy: BusyDestinations;
  private readonly now: () => number;
  private readonly bookkeeping: SentBookkeeping;
  private readonly persisting: BatchedEnqueue;
  private readonly settlement: RunSettlement;

  constructor(private readonly options: DurableQueueOptions) {
    this.ledger = new DeliveryLedger(options.jobPool, options.queue.schema);
    this.bookkeeping = new SentBookkeeping(this.ledger);
    this.persisting = new BatchedEnqueue(this.ledger, options.pool);
    this.breaker = new DestinationBreaker(options.jobPool, options.endpointHealth);
    this.liveness = new WorkerLiveness({
      db: options.heartbeatPool ?? options.jobPool,
      queueSchema: options.queue.schema,
      heartbeatMs: options.queue.heartbeatMs,
      deadAfterMs: options.queue.deadWorkerAfterMs,
      logger: options.logger,
    });
    this.now = options.now ?? Date.now;
    this.retention = new LedgerRetention(options.pool, options.retention, options.logger, this.now);
    this.pace = new DestinationPace(this.now);
    this.busy = new BusyDestinations({ pace: this.pace, limiterFor: options.limiterFor, maxWaiting: options.queue.maxWaitingPerDestination, now: this.now });
    // Every running delivery listens on the one shutdown signal.
    setMaxListeners(0, this.abort.signal);
    this.runner = new DeliveryRunners({
      jobPool: options.jobPool,
      queue: options.queue,
      liveness: this.liveness,
      logger: options.logger,
      now: this.now,
      runDelivery: (payload, helpers) => this.runJob(payload, helpers),
      tasks: options.tasks ?? {},
    });
    this.settlement = new RunSettlement({
      ledger: this.ledger,
      breaker: this.breaker,
      destinations: options.destinations,
      retry: options.retry,
      failoverDeadlineMs: options.failoverDeadlineMs,
      now: this.now,
      wake: (task, afterMs) => (afterMs === undefined ? this.runner.wake(task) : this.wakeAfter(afterMs, task)),
      interrupted: this.interrupted,
      ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
    });
  }

  async start(): Promise<void> {
    if (this.runner.state().running) return;
    await this.runner.start();
    await this.liveness.start();
    this.retention.start();
  }

  /** Whether graphile-worker is running our jobs, for /readyz. */
  runnerState(): RunnerState {
    return this.runner.state();
  }

  async submit(deliveries: readonly Delivery[]): Promise<void> {
    const turns = this.busy.turnsFor(deliveries);
    const fresh = await this.persisting.enqueue(deliveries, turns);
    const added = new Set(fresh);
    const urgent = deliveries.filter((d) => added.has(d.id) && deliverTaskOf(d.priority.level) === DELIVER_TASK);
    const now = urgent.filter((d) => !turns?.has(d.id)).length;
    if (now > 0) this.runner.wake(DELIVER_TASK, now);
    for (const d of urgent) if (turns?.has(d.id)) this.wakeAfter(turns.get(d.id)! - this.now(), DELIVER_TASK);
    if (fresh.length < deliveries.length) {
      this.options.logger.debug({ planned: deliveries.length, new: fresh.length }, 'deliveries already known; not queued again');
    }
  }

  /** Wakes an idle worker of this process when a job it put back is due, sooner than its poll would. */
  private wakeAfter(delayMs: number, task: string): void {
    if (delayMs >= this.options.queue.pollIntervalMs) return;
    const timer = setTimeout(() => {
      this.wakeTimers.delete(timer);
      this.runner.wake(task);
    }, delayMs);
    timer.unref();
    this.wakeTimers.add(timer);
  }

  pending(): number {
    return this.running.size;
  }

  /** Destinations by circuit state, for the metrics, the status page and the CLI. */
  destinationRows() {
    return this.breaker.rows();
  }

  async drain(deadlineMs: number): Promise<DrainResult> {
    for (const wake of this.wakeTimers) clearTimeout(wake);
    this.wakeTimers.clear();
    const timer = setTimeout(() => this.forceAbort(), deadlineMs);
    await this.runner.stop();
    clearTimeout(timer);
    await this.retention.stop();
    await this.liveness.stop().catch((error: unknown) => this.options.logger.warn({ err: error }, 'could not sign off; others will unlock after the lease'));
    return { undelivered: [...this.interrupted] };
  }

  forceAbort(): void {
    if (!this.abort.signal.aborted) this.abort.abort(new ShutdownAbortError());
  }

  private async runJob(payload: unknown, helpers: JobHelpers): Promise<void> {
    const id = (payload as { id?: unknown })?.id;
    if (typeof id !== 'string') return;
    const row = await this.ledger.load(id, helpers.job.task_identifier === DELIVER_TASK);
    // Already finished (a replayed job, a duplicate): nothing to do, by design.
    if (!row || row.status !== 'pending') {
      this.bookkeeping.settled(id);
      return;
    }
    const unwritten = this.bookkeeping.unwritten(id);
    if (unwritten) return this.bookkeeping.record(id, unwritten, deliveryLogger(this.options.logger, row.payload));
    this.running.add(id);
    try {
      await this.run(row);
    } finally {
      this.running.delete(id);
    }
  }

  private async run(row: LedgerRow): Promise<void> {
    const stored = row.payload;
    const storedLog = deliveryLogger(this.options.logger, stored).child({ run: row.runs + 1 });
    const key = destinationKey(stored.channel, stored.recipient);
    if (hasBreaker(key)) {
      const state = DestinationBreaker.stateOf(row.health);
      if (state.state === 'disabled') {
        // A replayed dead letter, or one planned since the tenant fixed its row, goes out again.
        if (!(await this.breaker.reEnableIfChanged(key))) return this.settlement.giveUp(row, storedLog, { kind: 'permanent', message: new DestinationUnavailableError(state.reason).message, gone: false }, 0);
        this.options.destinations.enable(key);
        this.options.addresses.forget(stored.organizationId);
        storedLog.warn({ destination: key }, 'destination changed since it was disabled; enabled again');
      }
      if (state.state === 'open') return this.settlement.waitForCircuit(row, storedLog, state.untilMs);
    }
    let delivery: Delivery;
    try {
      delivery = await this.options.addresses.resolve(stored);
    } catch (error) {
      if (error instanceof AddressUnavailableError) return this.settlement.giveUp(row, storedLog, { kind: 'permanent', message: error.message, gone: false }, 0, error);
      // Our own database, not the destination: try again soon, and blame no one.
      await this.ledger.reschedule(row.id, { atMs: this.now() + 1_000, attempts: 0, countRun: false, error: 'address lookup failed' });
      storedLog.warn({ err: error }, 'could not read the address; put back');
      return;
    }
    const log = deliveryLogger(this.options.logger, delivery).child({ run: row.runs + 1 });
    const limiter = this.options.limiterFor(delivery);
    const delayMs = this.busy.delayMs(delivery, key, limiter);
    if (delayMs !== null) {
      // Give the slot back rather than wait: one slow destination must not hold every worker.
      // It comes back when the jobs ahead of it should be done, woken then (graphile-worker would
      // otherwise only find it at its next poll).
      await this.ledger.putBack(row.id, this.now() + delayMs);
      this.wakeAfter(delayMs, deliverTaskOf(delivery.priority.level));
      log.debug({ delayMs }, 'rate limit busy; put back');
      return;
    }
    let attempts = 0;
    let receipt: DeliveryReceipt;
    try {
      const attempt = attemptDelivery(delivery, {
        channels: this.options.channels,
        limiter,
        retry: { ...this.options.retry, handBackRetryAfterOverMs: this.options.retry.maxInPlaceRetryAfterMs },
        signal: this.abort.signal,
        log,
        now: this.now,
        onAttempt: (n) => (attempts = n),
        ...(this.options.observe ? { observe: this.options.observe } : {}),
      });
      receipt = await attempt.finally(() => this.pace.finished(key));
    } catch (error) {
      return this.settlement.failed(row, log, describeFailure(error, this.abort.signal), attempts, error);
    }
    // Sent: from here on a failure is our own bookkeeping's, never the destination's.
    await this.bookkeeping.record(row.id, { attempts, ...(receipt.status ? { status: receipt.status } : {}), ...(receipt.providerMessageId ? { providerMessageId: receipt.providerMessageId } : {}) }, log);
    if (hasBreaker(key)) {
      // Read with the row: another replica's failure since then is reset by the next success.
      if (DestinationBreaker.needsReset(row.health)) await this.breaker.success(key).catch((error: unknown) => log.warn({ err: error }, 'could not reset the circuit; the next success will'));
      this.options.destinations.enable(key);
    }
    log.info({ attempt: attempts, status: receipt.status, providerMessageId: receipt.providerMessageId }, 'delivered');
    this.options.onOutcome?.(delivery, { kind: 'delivered', attempts, ...(receipt.status ? { status: receipt.status } : {}) });
  }
}
