import pRetry from 'p-retry';

const TRANSIENT_STATES = new Set(['57P01', '57P02', '57P03', '40001', '40P01']);
const TRANSIENT_CLASSES = new Set(['08', '53']);
const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
// node-postgres raises these client-side conditions with no code at all; its message is the only
// signal it gives, so they are matched here and nowhere else.
const PG_CLIENT_MESSAGES = [/^Connection terminated/, /^timeout exceeded when trying to connect/, /^Client has encountered a connection error/];

/** A database failure that goes away by itself: a restart, a failover, a dropped connection. */
export function isTransientDatabaseError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (TRANSIENT_STATES.has(code) || TRANSIENT_CLASSES.has(code.slice(0, 2)) || TRANSIENT_NODE_CODES.has(code)) return true;
  }
  const message = error instanceof Error ? error.message : '';
  return PG_CLIENT_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * An Error of this realm. Errors raised by Node's own modules (a refused socket) fail
 * `instanceof Error` under a sandbox such as Jest's, and p-retry refuses to retry what it cannot
 * recognise as an Error; the code and cause are kept.
 */
function asError(error: unknown): Error {
  if (error instanceof Error) return error;
  const source = (error ?? {}) as { message?: unknown; code?: unknown };
  return Object.assign(new Error(String(source.message ?? error)), { code: source.code, cause: error });
}

export interface DatabaseState {
  readonly reachable: boolean;
  readonly reason: string | null;
  readonly sinceMs: number;
}

/**
 * Whether the database answers, as the work that uses it sees it, and a retry wrapper that waits
 * out an outage instead of losing the work. /readyz reports the state.
 */
export class DatabaseHealth {
  private state: DatabaseState;

  constructor(private readonly now: () => number = Date.now) {
    this.state = { reachable: true, reason: null, sinceMs: now() };
  }

  current(): DatabaseState {
    return this.state;
  }

  /** Runs `work`, retrying through a transient outage (up to `maxWaitMs`); other errors pass through. */
  async retry<T>(work: () => Promise<T>, { signal, maxWaitMs = 10 * 60_000 }: { signal?: AbortSignal; maxWaitMs?: number } = {}): Promise<T> {
    const result = await pRetry(() => work().catch((error: unknown) => Promise.reject(asError(error))), {
      retries: Number.POSITIVE_INFINITY,
      minTimeout: 200,
      maxTimeout: 5_000,
      randomize: true,
      maxRetryTime: maxWaitMs,
      ...(signal ? { signal } : {}),
      shouldRetry: ({ error }) => isTransientDatabaseError(error),
      onFailedAttempt: ({ error }) => {
        if (isTransientDatabaseError(error)) this.mark(false, `database unreachable: ${(error as { code?: string }).code ?? error.message}`);
      },
    });
    this.mark(true, null);
    return result;
  }

  private mark(reachable: boolean, reason: string | null): void {
    if (this.state.reachable !== reachable) this.state = { reachable, reason, sinceMs: this.now() };
    else if (!reachable) this.state = { ...this.state, reason };
  }
}
