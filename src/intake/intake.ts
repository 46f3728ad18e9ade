import type { SubscriptionConfig } from '../config/worker-config.schema';
import type { Logger } from '../lib/logger';
import type { IntakeCounters } from './intake-counters';
import type { ChangeEvent } from './change-event';
import type { DedupeWindow } from './dedupe-window';
import { createHandOff } from './hand-off';
import { validateChange } from './validate-change';

export interface IntakeOptions {
  readonly dedupe: DedupeWindow;
  readonly metrics: IntakeCounters;
  readonly logger: Logger;
  /** Receives each valid change once. */
  readonly onEvent: (event: ChangeEvent) => void;
}

/**
 * Validation and identity for every intake path. A bad payload is logged with its reason and
 * counted; it never throws, so one broken change cannot hold up the ones behind it.
 */
export function createIntake(options: IntakeOptions) {
  const handOff = createHandOff(options);
  return function handle(subscription: SubscriptionConfig, payload: unknown): void {
    const result = validateChange(payload, subscription);
    if (!result.ok) return handOff.reject(subscription.name, result.error);
    handOff.accept(result.event);
  };
}
