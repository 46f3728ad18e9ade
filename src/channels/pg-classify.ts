import { DeliveryError, PermanentDeliveryError, RetryableDeliveryError } from './errors';
import { UnexpectedFailureError } from './errors-unexpected';
import { networkFailureCode } from './network-failure';

// The server is going away, restarting, out of resources, or lost a race: the same insert succeeds later.
// 57014: our statement_timeout cut a query that waited (a locked table); 55P03: lock_timeout.
const RETRYABLE_STATES = new Set(['57P01', '57P02', '57P03', '57014', '55P03', '55006', '40001', '40P01']);
// Connection (08), resources (53), operator intervention (57), the server's own I/O (58) or internal (XX) errors.
const RETRYABLE_CLASSES = new Set(['08', '53', '57', '58', 'XX']);

/**
 * By SQLSTATE, the way an HTTP answer is classified by status: the server's transient states
 * are retried, every other answer (bad data 22, a broken constraint 23, a statement or grant
 * that cannot work 42…) is refused the same way every time. The server's message is left out:
 * it can quote the offending value.
 *
 * A failure already classified (thrown by the caller's own steps) is kept. Without a SQLSTATE:
 * a network failure is retried, and so are pg's own connection errors ("Connection
 * terminated", a pool or query timeout), which are plain `Error`s with neither a code nor a
 * class of their own. Any other class (a TypeError from a value pg cannot send, a bug) is
 * unexpected, hence permanent.
 */
export function classifyPgError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    if (RETRYABLE_STATES.has(code) || RETRYABLE_CLASSES.has(code.slice(0, 2))) return new RetryableDeliveryError(`postgres ${code}`);
    return new PermanentDeliveryError(`postgres ${code}`);
  }
  const network = networkFailureCode(error);
  if (network) return new RetryableDeliveryError(`network error ${network}`);
  if (error instanceof Error && error.constructor === Error && code === undefined) return new RetryableDeliveryError('postgres connection failed');
  return new UnexpectedFailureError(error);
}
