import { EventEmitter } from 'node:events';
import { run, type Runner, type RunnerOptions, type WorkerEvents } from 'graphile-worker';
import type { Logger } from '../../lib/logger';
import { workersReleased } from './workers-released';

const RESTART_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000];
const GRAPHILE_BREAKING_MIGRATION_EXIT_CODE = 57;

export interface RunnerState {
  readonly running: boolean;
  readonly reason: string | null;
  readonly sinceMs: number;
}

/**
 * A graphile-worker runner that is started again when it stops without being asked to.
 *
 * graphile-worker shuts down every runner listening in a database as soon as ANY graphile-worker
 * schema there announces a breaking migration (a database-wide NOTIFY "worker:migrate" that does
 * not say which schema): another service deploying its own queue, a second environment in the
 * same database. Left alone, the worker would go on deciding changes and queueing deliveries
 * that nobody runs, with /readyz still green. Here the stop is logged as an alert, shown on
 * /readyz, and a new runner started with backoff while the old one finishes its jobs; a restart
 * against a schema that really is incompatible fails at start with graphile-worker's own message,
 * and is retried and reported.
 */
export class SupervisedRunner {
  private runner: Runner | undefined;
  /** Every runner not yet finished (the current one, any still finishing its jobs), and when its jobs are done. */
  private readonly unfinished = new Map<Runner, Promise<void>>();
  private stopping = false;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private restarting: Promise<void> | undefined;
  private current: RunnerState;

  constructor(
    /** Fresh options for each start (graphile-worker keeps per-runner state in its events). */
    private readonly options: () => RunnerOptions,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.current = { running: false, reason: 'not started', sinceMs: now() };
  }

  async start(): Promise<void> {
    if (this.runner) return;
    this.stopping = false;
    this.runner = await this.launch();
  }

  state(): RunnerState {
    return this.current;
  }

  /** Stops the runner and any pending restart, and waits until every runner's jobs are done. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const runner = this.runner;
    this.runner = undefined;
    // It may have begun stopping on its own a moment ago.
    await runner?.stop().catch((error: unknown) => {
      if (!(error instanceof Error && /already stopped/i.test(error.message))) throw error;
    });
    await this.restarting; // a restart under way stops what it started once it sees `stopping`
    await Promise.all(this.unfinished.values());
    this.current = { running: false, reason: 'stopped', sinceMs: this.now() };
  }

  private async launch(): Promise<Runner> {
    const options = this.options();
    const events: WorkerEvents = options.events ?? new EventEmitter();
    const runner = await run({ ...options, events });
    // The shutdown starts here, long before its promise settles: jobs may still be finishing.
    events.on('pool:gracefulShutdown', () => this.lost(runner, null));
    const jobsDone = Promise.race([runner.promise.catch(() => undefined), workersReleased(events)]);
    this.unfinished.set(runner, jobsDone);
    // Its workers are done: the rest of it stops too, its cron loop included, which would
    // otherwise keep a timer for ever when the pool never terminates (workers-released.ts).
    void jobsDone.then(() => {
      this.unfinished.delete(runner);
      return runner.stop().catch(() => undefined);
    });
    this.current = { running: true, reason: null, sinceMs: this.now() };
    runner.promise.then(
      () => this.finished(runner, null),
      (error: unknown) => this.finished(runner, error),
    );
    return runner;
  }

  private finished(runner: Runner, error: unknown): void {
    this.unfinished.delete(runner);
    this.lost(runner, error);
  }

  private lost(runner: Runner, error: unknown): void {
    if (this.stopping || this.runner !== runner) return;
    this.runner = undefined;
    // graphile-worker also sets process.exitCode = 57 for a process it expects to end now; this
    // one carries on, and a clean exit later must not report that code.
    if (process.exitCode === GRAPHILE_BREAKING_MIGRATION_EXIT_CODE) process.exitCode = undefined;
    const reason = 'graphile-worker stopped its runner (a breaking migration announced in this database?)';
    this.current = { running: false, reason, sinceMs: this.now() };
    this.logger.error({ err: error ?? undefined, reason, alert: true }, 'delivery queue stopped on its own; restarting it');
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const delay = RESTART_DELAYS_MS[Math.min(this.restarts, RESTART_DELAYS_MS.length - 1)]!;
    this.restarts += 1;
    this.restartTimer = setTimeout(() => {
      this.restarting = this.restart().finally(() => (this.restarting = undefined));
    }, delay);
  }

  private async restart(): Promise<void> {
    if (this.stopping) return;
    try {
      const runner = await this.launch();
      if (this.stopping) {
        await runner.stop();
        return;
      }
      this.runner = runner;
      this.restarts = 0;
      this.logger.warn({ alert: true }, 'delivery queue running again');
    } catch (error) {
      this.current = { running: false, reason: `cannot restart: ${error instanceof Error ? error.message : String(error)}`, sinceMs: this.current.sinceMs };
      this.logger.error({ err: error, alert: true }, 'delivery queue could not restart; trying again');
      this.scheduleRestart();
    }
  }
}
