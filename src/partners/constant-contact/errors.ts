import { ParkedDeliveryError } from '../../channels/errors-parked';
import { RetryableDeliveryError, type DeliveryError } from '../../channels/errors';
import { ConnectionRefusedError } from '../partner';
import { classifyPartnerStatus, type PartnerResponse } from '../partner-http';
import { nextUtcMidnight } from './mapping';

/** Constant Contact's errors: an array of `{error_key, error_message}` [doc]. */
export function errorKeysOf(response: PartnerResponse): string[] {
  try {
    const parsed = JSON.parse(response.text) as unknown;
    const list = Array.isArray(parsed) ? parsed : [parsed];
    return list.flatMap((e) => (typeof e === 'object' && e !== null && typeof (e as { error_key?: unknown }).error_key === 'string' ? [(e as { error_key: string }).error_key] : []));
  } catch {
    return [];
  }
}

/**
 * Null for a 2xx. Both limits answer 429 with no headers, told apart by `error_key`: the daily
 * quota (10,000 a day, reset at 00:00 UTC) parks the delivery until then; the per-second one
 * is an ordinary retry. 401 is an access token refused even after a refresh: reconnect.
 */
export function classifyConstantContact(response: PartnerResponse, now: () => number): DeliveryError | null {
  if (response.status >= 200 && response.status < 300) return null;
  const keys = errorKeysOf(response);
  if (response.status === 429 && keys.some(isQuotaKey)) return quotaSpent(now);
  if (response.status === 429) {
    // No Retry-After is documented; one that arrives anyway is honoured.
    const { retryAfterMs } = classifyPartnerStatus('constant-contact', response, now) as RetryableDeliveryError;
    return new RetryableDeliveryError('constant-contact answered 429 (more than 4 requests a second)', 429, retryAfterMs);
  }
  if (response.status === 401) return new ConnectionRefusedError('constant-contact refused the access token (401): authorize the connection again (connections authorize)', 401, keys[0] ?? 'unauthorized');
  const failure = classifyPartnerStatus('constant-contact', response, now);
  if (failure && keys[0] && /^[\w.]{1,80}$/.test(keys[0])) failure.message = `${failure.message} (${keys[0]})`;
  return failure;
}

/** The key's daily quota is spent: nothing goes until 00:00 UTC. */
export function quotaSpent(now: () => number): ParkedDeliveryError {
  return new ParkedDeliveryError('constant-contact daily quota (10,000 requests) spent: parked until 00:00 UTC', 429, nextUtcMidnight(now()), now);
}

// [inferred, verify] The exact key of the daily limit: partners.md says `quota_exceeded`; the
// Mashery era answered `mashery.not.authorized.over.ratelimit`.
function isQuotaKey(key: string): boolean {
  return /quota|over\.ratelimit/i.test(key) && !/qps/i.test(key);
}
