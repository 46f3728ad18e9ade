import { PermanentDeliveryError, RetryableDeliveryError, type DeliveryError } from '../errors';
import { ParkedDeliveryError } from '../errors-parked';
import { classifyHttpStatus, parseRetryAfter } from '../http-classify';

/** What the resend SDK returns instead of throwing. */
export interface ResendErrorLike {
  readonly name: string;
  /** Null when no HTTP answer came back (network failure). */
  readonly statusCode: number | null;
}

type Headers = Readonly<Record<string, string>>;

/**
 * By status and Resend's error name only. The provider's message is left out: it is free text
 * that can quote the recipient. Quotas park the delivery until they reset (UTC).
 */
export function classifyResendError(error: ResendErrorLike, headers: Headers | null, now: () => number = Date.now): DeliveryError {
  const status = error.statusCode ?? undefined;
  const what = `resend ${error.name}${status ? ` (HTTP ${status})` : ''}`;
  if (status === undefined) return new RetryableDeliveryError(`${what}: no response`);
  if (error.name === 'daily_quota_exceeded') return new ParkedDeliveryError(what, status, nextUtcDay(now()), now);
  if (error.name === 'monthly_quota_exceeded') return new ParkedDeliveryError(what, status, nextUtcMonth(now()), now);
  // The first request with this key is still running: retry later with the same key.
  if (error.name === 'concurrent_idempotent_requests') return new RetryableDeliveryError(what, status, retryAfterMs(headers, now));
  // Same key, different payload: the first request reached Resend, so the email may be out already.
  if (error.name === 'invalid_idempotent_request') return new PermanentDeliveryError(what, status);
  const classified = classifyHttpStatus(status, headers ?? {}, now);
  if (classified && !classified.retryable) return new PermanentDeliveryError(what, status);
  return new RetryableDeliveryError(what, status, retryAfterMs(headers, now));
}

function retryAfterMs(headers: Headers | null, now: () => number): number | undefined {
  const retryAfter = parseRetryAfter(headers?.['retry-after'], now);
  if (retryAfter !== undefined) return retryAfter;
  // IETF draft rate-limit headers: `ratelimit-reset` is seconds until the window resets.
  const reset = headers?.['ratelimit-reset'];
  return reset && /^\d+$/.test(reset) ? Number(reset) * 1000 : undefined;
}

function nextUtcDay(nowMs: number): Date {
  const d = new Date(nowMs);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1));
}

function nextUtcMonth(nowMs: number): Date {
  const d = new Date(nowMs);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
}
