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
  /** Changes being decided now. */
  inFlight(): number;
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
}

export function createDecideRunner({ decide, database, logger }: DecideRunnerOptions): DecideRunner {
  const deciding = new Set<Promise<void>>();
  const stopWaiting = new AbortController();

  return {
    decide(event) {
      const running = (database ? database.retry(() => decide(event), { signal: stopWaiting.signal }) : decide(event)).finally(() =>
        deciding.delete(running),
      );
      deciding.add(running);
      return running.catch((error: unknown) => {
        logger.error({ err: error, eventId: event.id, table: event.table }, 'change not decided; catch-up will bring it back');
        throw error;
      });
    },
    inFlight: () => deciding.size,
    async settle(deadline) {
      const giveUp = () => stopWaiting.abort();
      if (deadline.aborted) giveUp();
      else deadline.addEventListener('abort', giveUp, { once: true });
      const settled = Promise.allSettled([...deciding]);
      await Promise.race([settled, new Promise<void>((resolve) => stopWaiting.signal.addEventListener('abort', () => resolve(), { once: true }))]);
      deadline.removeEventListener('abort', giveUp);
      // The ones given up reject in a later tick; count only what is really still running.
      if (stopWaiting.signal.aborted) await new Promise((resolve) => setImmediate(resolve));
      return deciding.size;
    },
  };
}
