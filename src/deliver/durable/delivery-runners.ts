import { EventEmitter } from 'node:events';
import type { JobHelpers, RunnerOptions, WorkerEvents } from 'graphile-worker';
import type { Pool } from 'pg';
import type { QueueConfig } from '../../config/worker-config.schema';
import type { Logger } from '../../lib/logger';
import { DELIVER_BULK_TASK, DELIVER_TASK } from './delivery-tasks';
import { graphileLogger } from './graphile-logger';
import { queueBatching } from './queue-batching';
import { SupervisedRunner, type RunnerState } from './supervised-runner';
import type { WorkerLiveness } from './worker-liveness';

type Task = (payload: unknown, helpers: JobHelpers) => Promise<unknown>;

export interface DeliveryRunnersOptions {
  readonly jobPool: Pool;
  readonly queue: QueueConfig;
  readonly liveness: WorkerLiveness;
  readonly logger: Logger;
  readonly now: () => number;
  readonly runDelivery: (payload: unknown, helpers: JobHelpers) => Promise<void>;
  /** Digests and escalation timers: with the urgent deliveries, where a due job is taken at once. */
  readonly tasks: Readonly<Record<string, Task>>;
}

/**
 * The two graphile-worker runners of this process, both supervised (supervised-runner.ts), both
 * with graphile-worker's local queue, and both feeding the same per-destination limiters, where
 * a critical delivery leaves first:
 *
 * - urgent (critical and high deliveries, digests, escalation timers): up to `urgentConcurrency`
 *   due jobs taken in one statement, most urgent first;
 * - bulk (normal and low): up to `concurrency` a statement (bench/ figure 5: half the PostgreSQL
 *   CPU a delivery).
 *
 * A local queue runs what it has fetched before anything added later, however urgent: with one
 * runner for everything, normal deliveries fetched before a critical one overtook it (figure 4).
 * Split by task, a critical delivery never waits behind fetched normal ones, nor for a worker that
 * bulk deliveries hold; behind high ones fetched before it, it waits for one batch at most, the
 * jobs the urgent workers start next.
 *
 * The urgent runner took one job at a time until stop 26, so that not even a high job fetched
 * before it could go first. That cost a statement and a commit a job, 32 workers fetching at once
 * over the same index pages: in 2-minute Saturdays (figure 11, 500 changes a second) its takes
 * held 2.5–4.5 PostgreSQL backends, most of them waiting on WAL writes, and the worker delivered
 * 19,000–38,000 deliveries in a run with critical p50 13–72 s; taken in batches, in the same
 * hour, 56,000–67,000 and critical p50 1–3 s. The workers hold no connection while they wait for
 * a batch; pool-size.ts counts them anyway, since graphile-worker warns below its concurrency.
 */
export class DeliveryRunners {
  private readonly urgent: SupervisedRunner;
  private readonly bulk: SupervisedRunner;
  /** The running pools' own nudges (a supervised restart makes a new pool, and replaces its entry). */
  private readonly nudges = new Map<'urgent' | 'bulk', (count: number) => void>();

  constructor(private readonly options: DeliveryRunnersOptions) {
    const urgentTasks = {
      ...Object.fromEntries(Object.entries(options.tasks).map(([name, run]) => [name, async (payload: unknown, helpers: JobHelpers) => void (await run(payload, helpers))])),
      [DELIVER_TASK]: options.runDelivery,
    };
    this.urgent = new SupervisedRunner(() => throttleNotifications(this.runnerOptions('urgent', urgentTasks, options.queue.urgentConcurrency)), options.logger, options.now);
    this.bulk = new SupervisedRunner(
      () => this.runnerOptions('bulk', { [DELIVER_BULK_TASK]: options.runDelivery }, options.queue.concurrency),
      options.logger,
      options.now,
    );
  }

  /**
   * Wakes `count` idle workers of the runner of `task`: jobs this process added, or put back, are
   * due. In process, without a NOTIFY: no statement, no commit serialized on PostgreSQL's notify
   * lock, and no other replica woken for a job this one is about to take.
   */
  wake(task: string, count = 1): void {
    this.nudges.get(task === DELIVER_BULK_TASK ? 'bulk' : 'urgent')?.(count);
  }

  async start(): Promise<void> {
    await this.urgent.start();
    try {
      await this.bulk.start();
    } catch (error) {
      // Not half a queue: a start that fails leaves nothing running, as it did with one runner.
      await this.urgent.stop();
      throw error;
    }
  }

  /** Both stopped, and every job either ran is finished. */
  async stop(): Promise<void> {
    await Promise.all([this.urgent.stop(), this.bulk.stop()]);
  }

  /** Running only when both are: a stopped runner leaves its half of the deliveries unrun. */
  state(): RunnerState {
    const urgent = this.urgent.state();
    return urgent.running ? this.bulk.state() : urgent;
  }

  private runnerOptions(name: 'urgent' | 'bulk', taskList: RunnerOptions['taskList'], concurrency: number): RunnerOptions {
    const { liveness, queue } = this.options;
    const events: WorkerEvents = new EventEmitter();
    // Registered before throttleNotifications replaces the pool's nudge: this is graphile-worker's own.
    events.on('pool:create', ({ workerPool }) => {
      const nudge = workerPool.nudge.bind(workerPool);
      let open = true;
      const close = () => {
        open = false;
        if (this.nudges.get(name) === wake) this.nudges.delete(name);
      };
      const wake = (count: number) => void (open && nudge(count));
      this.nudges.set(name, wake);
      events.on('pool:gracefulShutdown', close);
      events.on('pool:forcefulShutdown', close);
      events.on('pool:release', close);
    });
    // Jobs are locked under the pool's id (a local queue's) or a worker's: keep both.
    const ids = new Set<string>();
    const track = (id: string) => {
      ids.add(id);
      liveness.addWorker(id);
    };
    events.on('pool:create', ({ workerPool }) => track(workerPool.id));
    events.on('worker:create', ({ worker }) => track(worker.workerId));
    // Once every worker of the pool has been released its jobs are done (or were never taken),
    // so they may be unlocked. Not only at 'pool:release': graphile-worker 0.18 can fail to get
    // there (workers-released.ts).
    const retire = () => liveness.retire(ids);
    events.on('pool:gracefulShutdown:complete', retire);
    events.on('pool:release', retire);
    return {
      events,
      pgPool: this.options.jobPool,
      schema: queue.schema,
      concurrency,
      pollInterval: queue.pollIntervalMs,
      noHandleSignals: true,
      // Our own deadline aborts runs first; graphile's would fail the jobs instead of putting them back.
      gracefulShutdownAbortTimeout: 24 * 3_600_000,
      // Without a batch delay graphile-worker 0.18 completes and fails jobs in promises nobody
      // awaits: a database restart then surfaces as an unhandled rejection, which stops the process.
      // The batched path shuts the pool down when a batch fails, for the supervisor to restart; a
      // re-run of an unfinished job is a no-op through the ledger (queue-batching.ts).
      preset: { worker: queueBatching(concurrency) },
      logger: graphileLogger(this.options.logger),
      taskList,
    };
  }
}

/** How often, at most, a NOTIFY from elsewhere wakes the urgent runner's local queue. */
export const LISTEN_WAKE_MS = 100;

/**
 * graphile-worker's NOTIFY says neither which task a job is for nor when it is due, and every
 * runner of every replica hears it: every batch of normal deliveries, every retry or put-back
 * scheduled for later, made the urgent runner fetch to find nothing. An empty fetch is not cheap:
 * it walks the queue's whole index of available jobs (with 150,000 normal ones due behind a
 * saturated email limit, 85 ms on an idle machine), and on a wedding Saturday there were hundreds
 * a second (bench/ figure 11).
 *
 * Here urgent jobs this process adds wake its urgent runner directly (DeliveryRunners.wake), and a
 * notification, which may announce another replica's urgent job, wakes it at most every
 * LISTEN_WAKE_MS (later ones within that time are taken by one trailing wake). The poll for what
 * nobody announced (another replica's retries, jobs of a process that died) is the local queue's
 * own, one a `pollIntervalMs` for the runner.
 */
export function throttleNotifications(options: RunnerOptions): RunnerOptions {
  // Real time, not the injected clock: this paces statements, it decides nothing.
  const now = () => performance.now();
  const events = options.events!;
  events.on('pool:create', ({ workerPool }) => {
    const nudge = workerPool.nudge.bind(workerPool);
    let open = true;
    let lastMs = Number.NEGATIVE_INFINITY;
    let trailing: NodeJS.Timeout | undefined;
    const wakeOne = () => {
      trailing = undefined;
      lastMs = now();
      if (open) nudge(1);
    };
    // `nudge` is public on graphile-worker 0.18's WorkerPool; its LISTEN handler is its one caller.
    workerPool.nudge = () => {
      if (trailing) return;
      const waitMs = lastMs + LISTEN_WAKE_MS - now();
      if (waitMs <= 0) wakeOne();
      else trailing = setTimeout(wakeOne, waitMs).unref();
    };
    const close = () => {
      open = false;
      clearTimeout(trailing);
    };
    events.on('pool:gracefulShutdown', close);
    events.on('pool:forcefulShutdown', close);
    events.on('pool:release', close);
  });
  return options;
}
