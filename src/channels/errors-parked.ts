import { RetryableDeliveryError } from './errors';

/**
 * Retryable, but not soon: the provider's quota for the day or month is spent, so every attempt
 * before `resumeAt` fails the same way. The dispatcher reads the `parked` flag to schedule the
 * delivery durably for `resumeAt` (and alert) instead of burning its quick retries on it.
 */
export class ParkedDeliveryError extends RetryableDeliveryError {
  readonly parked = true;

  constructor(
    message: string,
    status: number | undefined,
    readonly resumeAt: Date,
    now: () => number = Date.now,
  ) {
    super(message, status, Math.max(0, resumeAt.getTime() - now()));
  }
}
