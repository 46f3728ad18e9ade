import { PermanentDeliveryError, RetryableDeliveryError, type DeliveryError } from '../errors';
import { classifyNetworkError } from '../http-classify';

// The server is going away, restarting, out of resources, or lost a race: the same insert succeeds later.
// 57014: our statement_timeout cut a query that waited (a locked table); 55P03: lock_timeout.
const RETRYABLE_STATES = new Set(['57P01', '57P02', '57P03', '57014', '55P03', '40001', '40P01']);
const RETRYABLE_CLASSES = new Set(['08', '53']);
// Bad data (22) or a broken constraint (23): the same row is refused every time.
const PERMANENT_CLASSES = new Set(['22', '23']);

/** By SQLSTATE; the server's message is left out, it can quote the offending value. */
export function classifyPgError(error: unknown): DeliveryError {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    const sqlClass = code.slice(0, 2);
    if (RETRYABLE_STATES.has(code) || RETRYABLE_CLASSES.has(sqlClass)) {
      return new RetryableDeliveryError(`postgres ${code}`, undefined, undefined, { cause: error });
    }
    if (PERMANENT_CLASSES.has(sqlClass)) return new PermanentDeliveryError(`postgres ${code}`, undefined, { cause: error });
  }
  // Node socket errors (ECONNREFUSED…), pg's "Connection terminated", other SQLSTATEs: retried, bounded.
  return classifyNetworkError(error);
}
