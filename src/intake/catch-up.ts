import type { Logger } from '../lib/logger';
import type { CatchUpDriver, DriverItem } from './stream-driver';

export interface CatchUpReport {
  /** The stream (subscription) caught up. */
  readonly subscription: string;
  /** Changes handed on by this run that had not been handed on before. */
  readonly recovered: number;
  /** Rows read back, recovered or not. */
  readonly read: number;
  readonly fromCursor: string;
  readonly toCursor: string;
  readonly ms: number;
  /** True when it stopped early because the intake is stopping. */
  readonly interrupted: boolean;
}

export interface CatchUpRun<M> {
  readonly stream: string;
  readonly driver: CatchUpDriver<M>;
  /** The same path live changes take; `settled` resolves once the cursor may pass the change. */
  readonly deliver: (item: DriverItem<M>) => { readonly handed: boolean; readonly settled: Promise<void> };
  readonly save: () => Promise<void>;
  readonly stopping: () => boolean;
  readonly logger: Logger;
  readonly now: () => number;
}

/**
 * Reads back, page by page, what changed since the cursor and hands it on through the live path
 * (the dedupe window drops what was already handed on live). The cursor is saved after each
 * page, once every change of the page was handed on: with a synchronous onEvent that is the
 * hand-off itself; with an onEvent that returns a promise (a durable queue), its resolution.
 * Throws when the database does; the caller retries.
 */
export async function runCatchUp<M>(run: CatchUpRun<M>): Promise<CatchUpReport> {
  const started = run.now();
  const fromCursor = run.driver.describe();
  let recovered = 0;
  let read = 0;
  let interrupted = false;
  for await (const page of run.driver.pages()) {
    const settled: Promise<void>[] = [];
    for (const item of page) {
      read += 1;
      if (item.mark !== null && run.driver.handled(item.mark)) continue;
      const result = run.deliver(item);
      if (result.handed) recovered += 1;
      settled.push(result.settled);
    }
    await Promise.all(settled);
    await run.save();
    if (run.stopping()) {
      interrupted = true;
      break;
    }
  }
  const report: CatchUpReport = { subscription: run.stream, recovered, read, fromCursor, toCursor: run.driver.describe(), ms: run.now() - started, interrupted };
  run.logger.info(report, 'catch-up done');
  return report;
}
