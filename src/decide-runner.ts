import { WaitingTurns } from './decide/waiting-turns';
import type { ChangeEvent } from './intake/change-event';
import type { DatabaseHealth } from './lib/database-health';
import type { Logger } from './lib/logger';

export interface DecideRunner {
  /**
   * Decides one change. With a database, an outage is waited out (the change is held in memory,
   * /readyz says why), not dropped. The promise holds the intake cursor until the change's
   * deliveries are persisted; it rejects when the change was not decided.
   */
  decide(event: ChangeEvent): Promise<void>;
  /** Changes being decided now, and those waiting for a turn. */
  inFlight(): number;
  /** More changes wait for a turn than are worth holding in memory (`maxWaiting`): intake should leave new ones where they are. */
  overloaded(): boolean;
  /**
   * Lets the decisions under way finish. When `deadline` aborts, those still waiting for the
   * database are given up (catch-up brings their changes back) and this resolves at once, even if
   * one is stuck in a query. Resolves with how many were still running then.
   */
  settle(deadline: AbortSignal): Promise<number>;
}

export interface DecideRunnerOptions {
  readonly decide: (event: ChangeEvent) => Promise<void>;
  /** Null without a database: nothing to wait for, a decision runs once. */
  readonly database: DatabaseHealth | null;
  readonly logger: Logger;
  /** Changes decided at once at most; the rest wait for a turn, in arrival order but critical-first (`mayBeCritical`). */
  readonly maxConcurrent?: number;
  /** Waiting changes beyond which `overloaded()` says so. */
  readonly maxWaiting?: number;
  /**
   * Whether a change may be critical, judged before its context is read: those go first when
   * changes wait for a turn (waiting-turns.ts). Cheap and an upper bound: a false "maybe" costs
   * nothing but its place in the line.
   */
  readonly mayBeCritical?: (event: ChangeEvent) => boolean;
}

/**
 * Enough to keep every stage busy with room to spare (two context statements of 64, a persisting
 * statement of 200 changes in flight and the next one filling, planning between them: ~600), few
 * enough that a backlog is held as the changes alone. With no bound, a Saturday's backlog (tens
 * of thousands of changes behind) was being decided all at once: each change's context, plan and rendered deliveries alive together, a heap of 500 MB and
 * more, collections stopping the event loop for up to a second and the deliveries with it
 * (bench/ figure 11).
 */
export const MAX_DECIDING = 2_000;

/**
 * Waiting beyond this, intake leaves changes in the database for catch-up (live-shedding.ts):
 * ~4.5 KB each, so ~20 MB at most. Two of deciding's batches over: a burst is taken whole, only
 * a backlog that grows is left where it is.
 */
export const MAX_WAITING = 4_000;

class NotDecidedError extends Error {
  constructor() {
    super('shutting down before its turn to be decided');
    this.name = 'NotDecidedError';
  }
}

export function createDecideRunner({ decide, database, logger, maxConcurrent = MAX_DECIDING, maxWaiting = MAX_WAITING, mayBeCritical = () => false }: DecideRunnerOptions): DecideRunner {
  const deciding = new Set<Promise<void>>();
  const stopWaiting = new AbortController();
  const turns = new WaitingTurns();

  const run = (event: ChangeEvent): Promise<void> => {
    const running = (database ? database.retry(() => decide(event), { signal: stopWaiting.signal }) : decide(event)).finally(() => {
      deciding.delete(running);
      next();
    });
    deciding.add(running);
    return running;
  };

  function next(): void {
    while (deciding.size < maxConcurrent) {
      const turn = turns.take();
      if (!turn) return;
      turn.start();
    }
  }

  const giveUpWaiting = (): void => {
    for (const turn of turns.takeAll()) turn.giveUp(new NotDecidedError());
  };

  return {
    decide(event) {
      const outcome =
        deciding.size < maxConcurrent && turns.size === 0
          ? run(event)
          : new Promise<void>((resolve, reject) => {
              if (stopWaiting.signal.aborted) reject(new NotDecidedError());
              else turns.push({ event, start: () => void run(event).then(resolve, reject), giveUp: reject }, mayBeCritical(event));
            });
      return outcome.catch((error: unknown) => {
        logger.error({ err: error, eventId: event.id, table: event.table }, 'change not decided; catch-up will bring it back');
        throw error;
      });
    },
    inFlight: () => deciding.size + turns.size,
    overloaded: () => turns.size >= maxWaiting,
    async settle(deadline) {
      const giveUp = () => {
        stopWaiting.abort();
        giveUpWaiting();
      };
      if (deadline.aborted) giveUp();
      else deadline.addEventListener('abort', giveUp, { once: true });
      const aborted = new Promise<void>((resolve) => stopWaiting.signal.addEventListener('abort', () => resolve(), { once: true }));
      // Each decision that ends starts the next waiting one: settled once none is left of either.
      while (deciding.size > 0 && !stopWaiting.signal.aborted) await Promise.race([Promise.allSettled([...deciding]), aborted]);
      deadline.removeEventListener('abort', giveUp);
      // The ones given up reject in a later tick; count only what is really still running.
      if (stopWaiting.signal.aborted) await new Promise((resolve) => setImmediate(resolve));
      return deciding.size;
    },
  };
}
