import { Pool } from 'pg';

/** Client-side margin over the server's statement_timeout: catches a network that went silent. */
const QUERY_TIMEOUT_MARGIN_MS = 5_000;

/**
 * The connection string with `application_name` naming the pool's role: in pg_stat_activity,
 * on-call sees which of a replica's pools holds the connections ("wedsync delivering"). A name the
 * deployment gave (`?application_name=replica-2`) is kept as the prefix. In the string, not the
 * pool's options: pg lets the string's parameters win over the options.
 */
export function namedConnectionString(connectionString: string, role: string): string {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    // A key/value string (`host=... dbname=...`) is left as it is; config validation vouched for it.
    return connectionString;
  }
  url.searchParams.set('application_name', `${url.searchParams.get('application_name') ?? 'wedsync'} ${role}`);
  return url.toString();
}

/** A pool whose every query has a deadline, on the server (statement_timeout) and on the client. */
export function openPool(connectionString: string, options: { max: number; statementTimeoutMs: number; role: string }): Pool {
  return new Pool({
    connectionString: namedConnectionString(connectionString, options.role),
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
