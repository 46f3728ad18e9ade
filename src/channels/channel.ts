import type { ChannelKind } from '../vocabulary';
import type { DeliveryMessage } from './messages';

export interface SendContext {
  /** Aborted when the worker stops waiting (shutdown deadline or forced stop). */
  readonly signal: AbortSignal;
  /** 1-based attempt number. */
  readonly attempt: number;
  /** The idempotency key: the same on every attempt, restart and replay. */
  readonly deliveryId: string;
}

export interface DeliveryReceipt {
  readonly status?: number;
  /** The provider's id for the message (Resend email id, Twilio SM… sid), when it gives one. */
  readonly providerMessageId?: string;
}

/**
 * A channel only translates a message into one provider request and classifies the outcome.
 * Rate limiting and retrying belong to the dispatcher. Failures throw a DeliveryError.
 */
export interface Channel<Message> {
  readonly kind: ChannelKind;
  send(message: Message, context: SendContext): Promise<DeliveryReceipt>;
  close?(): Promise<void>;
}

/** The channels this process can use, each taking only its own message shape. */
export type ChannelRegistry = Partial<{ [K in ChannelKind]: Channel<Extract<DeliveryMessage, { channel: K }>> }>;
