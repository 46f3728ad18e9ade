import type { WebhookMessage } from '../channels/messages';
import type { Priority } from '../decide/priority';

/** One message to one recipient on one channel; its id is the idempotency key everywhere. */
export interface Delivery {
  readonly id: string;
  readonly eventId: string;
  readonly channel: 'webhook';
  /** Name of the destination (endpoint, sender); also the key of its rate limiter. */
  readonly destination: string;
  readonly priority: Priority;
  readonly message: WebhookMessage;
  /** Context carried into every log line about this delivery. */
  readonly log: { readonly table: string; readonly operation: string; readonly rule: string };
}

export type DeliveryOutcome =
  | { readonly kind: 'delivered'; readonly attempts: number; readonly status?: number }
  | { readonly kind: 'dead_letter'; readonly attempts: number; readonly reason: string; readonly status?: number }
  | { readonly kind: 'aborted'; readonly attempts: number };
