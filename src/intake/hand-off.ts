import type { Logger } from '../lib/logger';
import type { IntakeCounters } from './intake-counters';
import type { ChangeEvent } from './change-event';
import type { DedupeWindow } from './dedupe-window';
import type { EventValidationError } from './change-rejection';

export interface HandOffOptions {
  readonly dedupe: DedupeWindow;
  readonly metrics: IntakeCounters;
  readonly logger: Logger;
  /**
   * Receives each valid change once. It may return a promise (a durable queue's insert): the
   * catch-up cursor then moves past the change only once it resolves.
   */
  readonly onEvent: (event: ChangeEvent) => void | PromiseLike<void>;
}

export type Accepted =
  /**
   * `firstCopy`: the outcome of the copy handed on first, while it is still being decided (null
   * once it is). The cursor may pass a repeat only once the first copy is kept: if that one
   * fails, the change must still be ahead of the cursor to be read again.
   */
  | { readonly outcome: 'duplicate'; readonly firstCopy: Promise<void> | null }
  | { readonly outcome: 'handed'; readonly settled: Promise<void> | null };

export interface HandOff {
  accept(event: ChangeEvent): Accepted;
  reject(subscription: string, error: EventValidationError): void;
  /** The change could not be kept: a later copy (catch-up, a replay) must get through again. */
  forget(event: ChangeEvent): void;
}

/** The tail every intake path shares: dedupe window, counters, logs, then onEvent. */
export function createHandOff({ dedupe, metrics, logger, onEvent }: HandOffOptions): HandOff {
  // Only changes whose onEvent has not settled yet: as many as are in flight downstream.
  const undecided = new Map<string, Promise<void>>();
  return {
    accept(event) {
      if (!dedupe.firstSighting(event.id)) {
        metrics.changesDuplicate.inc({ table: event.table });
        logger.debug({ eventId: event.id, table: event.table }, 'duplicate change dropped');
        return { outcome: 'duplicate', firstCopy: undecided.get(event.id) ?? null };
      }
      metrics.changesReceived.inc({ table: event.table, operation: event.operation });
      const result = onEvent(event);
      if (!isThenable(result)) return { outcome: 'handed', settled: null };
      const settled = Promise.resolve(result);
      undecided.set(event.id, settled);
      const decided = () => {
        if (undecided.get(event.id) === settled) undecided.delete(event.id);
      };
      settled.then(decided, decided);
      return { outcome: 'handed', settled };
    },
    reject(subscription, error) {
      metrics.changesRejected.inc({ reason: error.reason });
      logger.warn({ subscription, reason: error.reason, detail: error.message }, 'change rejected');
    },
    forget(event) {
      dedupe.forget(event.id);
    },
  };
}

function isThenable(value: unknown): value is PromiseLike<void> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}
