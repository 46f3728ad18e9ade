import { Pool } from 'pg';
import type { Logger } from './logger';

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
 * A pool the caller made: its sessions get the deadline on connect (queued before any other query
 * of the connection, so none runs without it).
 */
export function enforceStatementTimeout(pool: Pool, statementTimeoutMs: number, logger: Logger): void {
  pool.on('connect', (client) => {
    client.query(`set statement_timeout = ${Math.trunc(statementTimeoutMs)}`).catch((error: unknown) => logger.warn({ err: error }, 'could not set statement_timeout'));
  });
}
