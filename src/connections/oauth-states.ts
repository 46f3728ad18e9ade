import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';

/** How long an authorize link printed by the CLI stays good. */
export const OAUTH_STATE_TTL_MS = 30 * 60_000;

const hashOf = (state: string) => createHash('sha256').update(state).digest('hex');

/**
 * OAuth `state` values in flight (RFC 6749 §10.12): random, single use, short-lived, bound to
 * one connection. Only their SHA-256 is stored, so the table alone cannot complete a callback.
 */
export async function createOauthState(db: Pool, connectionId: string, now: () => number = Date.now): Promise<string> {
  const state = randomBytes(32).toString('base64url');
  await db.query('delete from oauth_authorizations where expires_at < now()');
  await db.query('insert into oauth_authorizations (state_hash, connection_id, expires_at) values ($1, $2, $3)', [hashOf(state), connectionId, new Date(now() + OAUTH_STATE_TTL_MS)]);
  return state;
}

/** The connection this state was issued for, once; null when unknown, used or expired. */
export async function consumeOauthState(db: Pool, state: string, now: () => number = Date.now): Promise<string | null> {
  const { rows } = await db.query<{ connection_id: string }>('delete from oauth_authorizations where state_hash = $1 and expires_at > $2 returning connection_id', [hashOf(state), new Date(now())]);
  return rows[0]?.connection_id ?? null;
}
