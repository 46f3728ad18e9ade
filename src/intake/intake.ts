import type { SubscriptionConfig } from '../config/worker-config.schema';
import type { Logger } from '../lib/logger';
import type { Metrics } from '../outcome/metrics';
import type { ChangeEvent } from './change-event';
import type { DedupeWindow } from './dedupe-window';
import { validateChange } from './validate-change';

export interface IntakeOptions {
  readonly dedupe: DedupeWindow;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Receives each valid change once. */
  readonly onEvent: (event: ChangeEvent) => void;
}

/**
 * Validation and identity for every intake path. A bad payload is logged with its reason and
 * counted; it never throws, so one broken change cannot hold up the ones behind it.
 */
export function createIntake({ dedupe, metrics, logger, onEvent }: IntakeOptions) {
  return function handle(subscription: SubscriptionConfig, payload: unknown): void {
    const result = validateChange(payload, subscription);
    if (!result.ok) {
      metrics.changesRejected.inc({ reason: result.error.reason });
      logger.warn(
        { subscription: subscription.name, reason: result.error.reason, detail: result.error.message },
        'change rejected',
      );
      return;
    }
    const event = result.event;
    if (!dedupe.firstSighting(event.id)) {
      metrics.changesDuplicate.inc({ table: event.table });
      logger.debug({ eventId: event.id, table: event.table }, 'duplicate change dropped');
      return;
    }
    metrics.changesReceived.inc({ table: event.table, operation: event.operation });
    onEvent(event);
  };
}
