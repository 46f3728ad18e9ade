export type ChannelKind = 'webhook';

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
