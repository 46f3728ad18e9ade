/**
 * Delivery failures are classified once, where the response is seen, by status code or error
 * code and never by message text. Retry logic reads only `retryable` and `retryAfterMs`.
 */
export abstract class DeliveryError extends Error {
  abstract readonly retryable: boolean;

  constructor(
    message: string,
    /** HTTP status, when the provider answered. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class RetryableDeliveryError extends DeliveryError {
  readonly retryable = true;

  constructor(
    message: string,
    status?: number,
    /** The provider asked us to wait this long before the next attempt. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, status, options);
  }
}

export class PermanentDeliveryError extends DeliveryError {
  readonly retryable = false;
}

/** The worker gave up on the attempt because it is shutting down; not the destination's fault. */
export class ShutdownAbortError extends Error {
  constructor() {
    super('not delivered: shutdown');
    this.name = 'ShutdownAbortError';
  }
}
