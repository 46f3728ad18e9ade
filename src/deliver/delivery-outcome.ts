import type { ChannelKind } from '../vocabulary';

/** How one delivery ended, as the dispatcher or the durable queue reports it. */
export type DeliveryOutcome =
  | { readonly kind: 'delivered'; readonly attempts: number; readonly status?: number }
  | { readonly kind: 'dead_letter'; readonly attempts: number; readonly reason: string; readonly status?: number }
  | { readonly kind: 'failed_over'; readonly attempts: number; readonly reason: string; readonly to: ChannelKind }
  | { readonly kind: 'aborted'; readonly attempts: number };
