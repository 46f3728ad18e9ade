import type { SubscriptionConfig } from '../config/worker-config.schema';
import type { ChangeEvent, Row } from './change-event';
import { rowMatchesFilter } from './row-filter';
import { EventValidationError, type ValidationResult } from './change-rejection';

/** What became of one change that arrived on a channel several subscriptions share. */
export type Routed =
  | { readonly kind: 'event'; readonly event: ChangeEvent }
  | { readonly kind: 'rejected'; readonly subscription: string; readonly error: EventValidationError }
  /** Not for this worker: a table nobody subscribed to, or outside a subscription's filter. */
  | { readonly kind: 'ignored'; readonly reason: string };

export function fromValidation(result: ValidationResult, subscription: string): Routed {
  return result.ok ? { kind: 'event', event: result.event } : { kind: 'rejected', subscription, error: result.error };
}

export function rejected(subscription: string, reason: EventValidationError['reason'], detail: string): Routed {
  return { kind: 'rejected', subscription, error: new EventValidationError(reason, detail) };
}

/**
 * The subscription a change of schema.table belongs to: the first whose filter the row passes
 * (a DELETE is judged on its old row, as Realtime does). Two subscriptions on one table would
 * produce the same event id, and the dedupe window would keep only the first anyway.
 */
export function memberFor(
  members: readonly SubscriptionConfig[],
  schema: string,
  table: string,
  row: Row | null,
): SubscriptionConfig | { readonly ignored: string } {
  const candidates = members.filter((s) => s.schema === schema && s.table === table);
  if (candidates.length === 0) return { ignored: `no subscription for ${schema}.${table}` };
  return candidates.find((s) => rowMatchesFilter(s.filter, row)) ?? { ignored: `outside the filter of ${candidates.map((s) => s.name).join(', ')}` };
}

/** A row as a mode's carrier holds it, or null when it holds something else there. */
export function asRow(value: unknown): Row | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Row) : null;
}
