import type { DecideRunner } from './decide-runner';
import type { DeliveryRunner } from './deliver/dispatcher';
import type { Logger } from './lib/logger';
import type { Releasers } from './lib/releasers';

/**
 * The whole stop, resources released included, ends within SHUTDOWN_TIMEOUT_MS plus this; main.ts
 * exits at that point regardless. An orchestrator's grace period must be at least the sum
 * (docker-compose.yml's stop_grace_period, README "Health, metrics, shutdown").
 */
export const STOP_MARGIN_MS = 5_000;
/** How long past the deadline the drain may take to abort what still runs; part of the margin. */
const DRAIN_OVERRUN_MS = 2_000;

export interface StopResult {
  /** True when nothing was abandoned and every resource was released. */
  readonly clean: boolean;
  readonly undelivered: readonly string[];
}

export interface LifecycleParts {
  readonly health: { listen(): Promise<number>; close(): Promise<void> };
  /** Starts the durable queue, waiting out a database outage until the signal aborts; null without a database. */
  readonly startQueue: ((signal: AbortSignal) => Promise<void>) | null;
  readonly intake: { start(): Promise<void>; stop(): Promise<void> };
  readonly deciding: Pick<DecideRunner, 'inFlight' | 'settle'>;
  readonly deliveries: Pick<DeliveryRunner, 'pending' | 'drain' | 'forceAbort'>;
  /** Released last-in first-out once the deliveries are drained. */
  readonly releasers: Releasers;
  /** The one deadline for the whole stop, counted from the stop request. */
  readonly shutdownTimeoutMs: number;
  /** Called the moment a stop begins (readiness turns 503). */
  readonly onDraining: () => void;
  /** Extra fields of the "worker started" log line. */
  readonly describe: () => Record<string, unknown>;
  readonly logger: Logger;
}

export interface Lifecycle {
  /** Health first, then the queue (once the database answers), then intake. Idempotent. */
  start(): Promise<{ healthPort: number }>;
  /**
   * Stops whatever has started, a start under way included, within one deadline: intake leaves
   * its channels and saves its cursors, decisions under way finish, deliveries drain, resources
   * are released. Idempotent.
   */
  stop(): Promise<StopResult>;
  /** A second signal: abort the deliveries still running now. */
  forceStop(): void;
}

/** Thrown by start() when a stop was requested before the worker was up. */
export class StartAbandonedError extends Error {
  constructor() {
    super('start abandoned: stop requested');
    this.name = 'StartAbandonedError';
  }
}

export function createLifecycle(parts: LifecycleParts): Lifecycle {
  const { logger } = parts;
  const stopRequested = new AbortController();
  let starting: Promise<{ healthPort: number }> | undefined;
  let stopping: Promise<StopResult> | undefined;

  const abandonIfStopping = () => {
    if (stopRequested.signal.aborted) throw new StartAbandonedError();
  };

  const start = () => {
    starting ??= (async () => {
      abandonIfStopping();
      const healthPort = await parts.health.listen();
      parts.releasers.add('health server', () => parts.health.close());
      logger.info({ healthPort }, 'health server listening');
      abandonIfStopping();
      if (parts.startQueue) await parts.startQueue(stopRequested.signal);
      abandonIfStopping();
      await parts.intake.start();
      abandonIfStopping();
      logger.info({ healthPort, ...parts.describe() }, 'worker started');
      return { healthPort };
    })();
    return starting;
  };

  const stop = () => {
    stopping ??= (async () => {
      // Real time, not the app's clock: the orchestrator's grace period runs on it.
      const stopAt = performance.now() + parts.shutdownTimeoutMs;
      const deadline = AbortSignal.timeout(parts.shutdownTimeoutMs);
      const byDeadline = (work: Promise<unknown>) => Promise.race([work.then(() => undefined), aborted(deadline)]);
      stopRequested.abort();
      parts.onDraining();
      logger.info({ deliveriesInFlight: parts.deliveries.pending(), deadlineMs: parts.shutdownTimeoutMs }, 'draining');
      // A start waiting for the database gives up at once; an attempt in flight is let finish, so
      // whatever it started is stopped below.
      if (starting) await byDeadline(starting.catch(() => undefined));
      await byDeadline(parts.intake.stop());
      const stillDeciding = await parts.deciding.settle(deadline);
      if (stillDeciding > 0) logger.warn({ decisions: stillDeciding }, 'decisions still running at the deadline; catch-up will bring their changes back');
      const remainingMs = Math.max(0, stopAt - performance.now());
      // The drain aborts what still runs at the deadline; if even that does not end it (a
      // dependency that never settles), the stop goes on: its deadline is the orchestrator's.
      const drained = await Promise.race([parts.deliveries.drain(remainingMs), aborted(AbortSignal.timeout(Math.ceil(remainingMs) + DRAIN_OVERRUN_MS)).then(() => null)]);
      if (!drained) logger.error({ alert: true, overrunMs: DRAIN_OVERRUN_MS }, 'the delivery queue did not stop by the deadline; releasing the rest anyway');
      const undelivered = drained?.undelivered ?? [];
      const failures = await parts.releasers.releaseAll((name, error) => logger.error({ err: error, resource: name }, 'release failed'));
      const clean = drained !== null && undelivered.length === 0 && failures === 0;
      logger.info({ undelivered: undelivered.length, clean }, 'stopped');
      return { clean, undelivered };
    })();
    return stopping;
  };

  return {
    start,
    stop,
    forceStop() {
      parts.deliveries.forceAbort();
      void stop();
    },
  };
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
