import { DeliveryError, PermanentDeliveryError, RetryableDeliveryError } from './errors';
import { UnexpectedFailureError } from './errors-unexpected';
import { networkFailureCode } from './network-failure';

const RETRYABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Null for a 2xx; otherwise the classified failure. 3xx fails: redirects are never followed. */
export function classifyHttpStatus(
  status: number,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  now: () => number = Date.now,
): DeliveryError | null {
  if (status >= 200 && status < 300) return null;
  if (RETRYABLE_STATUSES.has(status) || status >= 500) {
    return new RetryableDeliveryError(`HTTP ${status}`, status, parseRetryAfter(headers['retry-after'], now));
  }
  return new PermanentDeliveryError(`HTTP ${status}`, status);
}

/**
 * A request that threw instead of answering: a network failure (by its code, anywhere in the
 * chain) is retryable; anything else, such as undici refusing an argument, is permanent.
 */
export function classifyNetworkError(error: unknown): DeliveryError {
  // Already classified by the transport, e.g. the SSRF guard's refusal from inside the connect.
  if (error instanceof DeliveryError) return error;
  const code = networkFailureCode(error);
  if (code) return new RetryableDeliveryError(`network error ${code}`, undefined, undefined, { cause: error });
  return new UnexpectedFailureError(error);
}

/** Retry-After is seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | string[] | undefined, now: () => number = Date.now): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now());
}
