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
 * The two graphile-worker runners of this process, both supervised (supervised-runner.ts) and
 * both feeding the same per-destination limiters, where a critical delivery leaves first:
 *
 * - urgent (critical and high deliveries, digests, escalation timers): one job taken at a time,
 *   by the first idle worker, so a job is picked up as soon as it is added and in queue order;
 * - bulk (normal and low): graphile-worker's local queue, one statement taking up to
 *   `concurrency` jobs (bench/ figure 5: half the PostgreSQL CPU a delivery).
 *
 * A local queue runs what it has fetched before anything added later, however urgent: with one
 * runner for everything, normal deliveries fetched before a critical one overtook it (figure 4).
 * Split by task, an urgent delivery never waits behind a fetched batch, nor for a worker that
 * bulk deliveries hold. Each runner has `concurrency` workers (pool-size.ts counts the
 * connections).
 */
export class DeliveryRunners {
  private readonly urgent: SupervisedRunner;
  private readonly bulk: SupervisedRunner;

  constructor(private readonly options: DeliveryRunnersOptions) {
    const urgentTasks = {
      ...Object.fromEntries(Object.entries(options.tasks).map(([name, run]) => [name, async (payload: unknown, helpers: JobHelpers) => void (await run(payload, helpers))])),
      [DELIVER_TASK]: options.runDelivery,
    };
    this.urgent = new SupervisedRunner(() => wakeInChain(this.runnerOptions(urgentTasks, 0)), options.logger, options.now);
    this.bulk = new SupervisedRunner(() => this.runnerOptions({ [DELIVER_BULK_TASK]: options.runDelivery }, options.queue.concurrency), options.logger, options.now);
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

  private runnerOptions(taskList: RunnerOptions['taskList'], localQueueSize: number): RunnerOptions {
    const { liveness, queue } = this.options;
    const events: WorkerEvents = new EventEmitter();
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
      concurrency: queue.concurrency,
      pollInterval: queue.pollIntervalMs,
      noHandleSignals: true,
      // Our own deadline aborts runs first; graphile's would fail the jobs instead of putting them back.
      gracefulShutdownAbortTimeout: 24 * 3_600_000,
      // Without a batch delay graphile-worker 0.18 completes and fails jobs in promises nobody
      // awaits: a database restart then surfaces as an unhandled rejection, which stops the process.
      // The batched path shuts the pool down when a batch fails, for the supervisor to restart; a
      // re-run of an unfinished job is a no-op through the ledger (queue-batching.ts).
      preset: { worker: queueBatching(localQueueSize) },
      logger: graphileLogger(this.options.logger),
      taskList,
    };
  }
}

/**
 * graphile-worker wakes one idle worker per job a notification announces, and its NOTIFY does not
 * say which task: each batch of normal deliveries would wake every idle urgent worker, to find
 * nothing (bench/ figure 8: 2,894 empty fetches against the bulk runner's 1,307). Here a
 * notification wakes one, and each worker that does find a job wakes the next: as many urgent
 * jobs as before run at once, one fetch after another, and a batch of bulk jobs costs one empty
 * fetch.
 */
export function wakeInChain(options: RunnerOptions): RunnerOptions {
  const events = options.events!;
  events.on('pool:create', ({ workerPool }) => {
    const nudge = workerPool.nudge.bind(workerPool);
    // `nudge` is public on graphile-worker 0.18's WorkerPool; its LISTEN handler is its one caller.
    workerPool.nudge = () => nudge(1);
    events.on('job:start', () => nudge(1));
  });
  return options;
}
