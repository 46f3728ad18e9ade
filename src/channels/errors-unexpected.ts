import { DeliveryError, PermanentDeliveryError, RetryableDeliveryError, ShutdownAbortError } from './errors';
import { networkFailureCode } from './network-failure';

/**
 * A failure nothing classified: a bug of ours, a TypeError out of an SDK, an exception nobody
 * expected. It fails the same way on every attempt, so it is permanent (a dead letter, or the next
 * channel of the chain) rather than retried along the ladder and counted against the destination.
 *
 * Named by its class only, with no cause: its message can quote a URL with a token, an address,
 * a phone number (Node's ERR_INVALID_URL quotes its whole input). The stack keeps the original's
 * frames, which say where, without its first line, which says what.
 */
export class UnexpectedFailureError extends PermanentDeliveryError {
  constructor(error: unknown) {
    super(`unexpected ${kindOf(error)}`);
    this.stack = `${this.name}: ${this.message}\n${framesOf(error)}`;
  }
}

/**
 * What a thrown value means for a delivery: a classified failure or a shutdown as it is; a
 * network failure anywhere in its chain retryable, named by its code; anything else permanent.
 */
export function classifyUnexpected(error: unknown): DeliveryError | ShutdownAbortError {
  if (error instanceof DeliveryError || error instanceof ShutdownAbortError) return error;
  const code = networkFailureCode(error);
  if (code) return new RetryableDeliveryError(`network error ${code}`);
  return new UnexpectedFailureError(error);
}

/** A class name or Node error code is a word from code, never data; anything else is not printed. */
function kindOf(error: unknown): string {
  // Not `instanceof Error`: an error made in another realm (a vm context, a worker) is one too.
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : typeof error;
  const code = (error as { code?: unknown } | null)?.code;
  const word = (value: unknown) => typeof value === 'string' && /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(value);
  return `${word(name) ? name : 'error'}${word(code) ? ` (${code as string})` : ''}`;
}

function framesOf(error: unknown): string {
  const stack = (error as { stack?: unknown } | null)?.stack;
  if (typeof stack !== 'string') return '';
  return stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .slice(0, 12)
    .join('\n');
}
