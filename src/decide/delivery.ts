import type { DeliveryMessage } from '../channels/messages';
import type { ChannelKind, NotificationKind, Priority, RateLimitSettings, RecipientKind } from '../vocabulary';

export interface Recipient {
  readonly kind: RecipientKind;
  readonly id: string;
}

export interface Fallback {
  readonly recipient: Recipient;
  readonly message: DeliveryMessage;
}

export interface DigestHold {
  readonly atMs: number;
  readonly heldBy: 'quiet_hours' | 'hourly_cap';
}

/** The planner's output: one message to one recipient on one channel; its id is the idempotency key everywhere. */
export interface Delivery {
  readonly id: string;
  readonly eventId: string;
  readonly organizationId: string | null;
  readonly weddingId: string | null;
  readonly kind: NotificationKind;
  readonly channel: ChannelKind;
  readonly recipient: Recipient;
  readonly priority: Priority;
  /** Not to be attempted before this instant (quiet hours, hourly cap); null: now. */
  readonly notBeforeMs: number | null;
  /**
   * Held for its person's digest on this channel, sent at this instant (the end of the quiet hours
   * or the hourly cap's window): set only for normal and low messages, and only when digests are
   * on. `notBeforeMs` says the same instant, for a runner that sends held messages one by one.
   */
  readonly digest?: DigestHold;
  /** A critical message that is not delivered by then fails over; null: no deadline. */
  readonly deadlineMs: number | null;
  readonly message: DeliveryMessage;
  /** The destination's own limit (partner endpoints); others use the channel's configured limit. */
  readonly rateLimit: RateLimitSettings | null;
  /** What to try next, in order, if this fails permanently or misses its deadline. */
  readonly fallbacks: readonly Fallback[];
  /** Decisions worth a log line: preferences bypassed or applied. */
  readonly notes: readonly string[];
  /** Context carried into every log line about this delivery. */
  readonly log: { readonly table: string; readonly operation: string; readonly rule: string };
}
