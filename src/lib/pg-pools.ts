import { Pool } from 'pg';

/** Client-side margin over the server's statement_timeout: catches a network that went silent. */
const QUERY_TIMEOUT_MARGIN_MS = 5_000;

/** A pool whose every query has a deadline, on the server (statement_timeout) and on the client. */
export function openPool(connectionString: string, options: { max: number; statementTimeoutMs: number }): Pool {
  return new Pool({
    connectionString,
    max: options.max,
    statement_timeout: options.statementTimeoutMs,
    query_timeout: options.statementTimeoutMs + QUERY_TIMEOUT_MARGIN_MS,
  });
}

/**
 * A pool the caller made: every connection it opens from now on gets the deadlines in its startup
 * message, as openPool's do. Not a `set statement_timeout` queued on 'connect': pg-pool hands the
 * client over at once, so the caller's first query was queued behind it on the same client, which
 * pg 8 warns about ("already executing a query") and pg 9 refuses. Connections the pool opened
 * before this call keep the server's default.
 */
export function enforceStatementTimeout(pool: Pool, statementTimeoutMs: number): void {
  pool.options.statement_timeout = Math.trunc(statementTimeoutMs);
  pool.options.query_timeout ??= Math.trunc(statementTimeoutMs) + QUERY_TIMEOUT_MARGIN_MS;
}
