import { PermanentDeliveryError, RetryableDeliveryError, type DeliveryError } from '../errors';
import { UnexpectedFailureError } from '../errors-unexpected';
import { classifyHttpStatus } from '../http-classify';
import { networkFailureCode } from '../network-failure';

// Bad, unreachable or unsubscribed recipient, bad sender, oversized body, bad credentials: retrying sends nothing.
const PERMANENT_CODES = new Set([21211, 21610, 21614, 21635, 21612, 21408, 21606, 21608, 21617, 20003]);
// 20429: too many concurrent requests; 21611: the sender's queue is full. Both clear on their own.
const RETRYABLE_CODES = new Set([20429, 21611]);

/** RestException and TwilioServiceException (RFC 9457) both carry these. */
interface TwilioErrorLike {
  readonly status: number;
  readonly code?: number;
}

/**
 * By Twilio error code first, then HTTP status. The provider's message is left out: it quotes
 * the phone number. Twilio's exceptions drop the response headers, so no Retry-After survives.
 */
export function classifyTwilioError(error: unknown): DeliveryError {
  if (!isTwilioError(error)) {
    // axios errors keep the request config, Authorization header included: no cause is kept.
    const network = networkFailureCode(error);
    return network ? new RetryableDeliveryError(`twilio network error ${network}`) : new UnexpectedFailureError(error);
  }
  const { status, code } = error;
  const what = `twilio ${code ?? 'error'} (HTTP ${status})`;
  if (code !== undefined && PERMANENT_CODES.has(code)) return new PermanentDeliveryError(what, status);
  if (code !== undefined && RETRYABLE_CODES.has(code)) return new RetryableDeliveryError(what, status);
  const classified = classifyHttpStatus(status, {});
  return classified && !classified.retryable ? new PermanentDeliveryError(what, status) : new RetryableDeliveryError(what, status);
}

function isTwilioError(error: unknown): error is TwilioErrorLike {
  return typeof error === 'object' && error !== null && typeof (error as { status?: unknown }).status === 'number';
}
