import { PermanentDeliveryError, RetryableDeliveryError, type DeliveryError } from './errors';

const RETRYABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

// Connection-level failures that say nothing about whether the destination accepts the message.
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

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

export function classifyNetworkError(error: unknown): DeliveryError {
  const code = errorCode(error);
  if (code && RETRYABLE_CODES.has(code)) {
    return new RetryableDeliveryError(`network error ${code}`, undefined, undefined, { cause: error });
  }
  // An unknown failure is retried (bounded): giving up on a message is the costlier mistake.
  return new RetryableDeliveryError(`request failed${code ? ` (${code})` : ''}`, undefined, undefined, { cause: error });
}

/** Retry-After is seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | string[] | undefined, now: () => number = Date.now): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now());
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
