import type { Pool, PoolClient } from 'pg';
import { RetryableDeliveryError } from '../channels/errors';
import type { Connection } from './connection';
import type { CredentialCipher } from './credential-cipher';

/** What a token endpoint answered: the access token, its lifetime, and a new refresh token when it rotates. */
export interface GrantedToken {
  readonly accessToken: string;
  readonly expiresInS: number;
  readonly refreshToken?: string;
}

/** One request to the partner's token endpoint with the credentials as stored now. */
export type TokenGrant = (credentials: Readonly<Record<string, string>>, signal: AbortSignal) => Promise<GrantedToken>;

export interface TokenRequest {
  readonly signal: AbortSignal;
  /** The send's own database session (it already holds the record lock); else one from the pool. */
  readonly db?: PoolClient;
  /** The partner just refused this token (401): a stored token equal to it is not used again. */
  readonly rejected?: string;
}

// A token that expires mid-request is a 401 we caused ourselves.
const MARGIN_MS = 60_000;
// Waiting on another replica's refresh is bounded: past it the send is retried later.
const LOCK_TIMEOUT = '30s';

/**
 * OAuth access tokens kept sealed inside the connection's credentials (`accessToken`,
 * `accessExpiresAt`, `refreshToken`), refreshed by one replica at a time. A refresh runs in a
 * transaction holding the connection's row lock (`select … for update`); a replica that waited
 * for the lock re-reads the row and finds the token the first one stored, so it makes no request.
 * With rotating refresh tokens (Constant Contact) that is what keeps a used refresh token from
 * ever being sent twice (`invalid_grant`). Within one replica, concurrent sends of a connection
 * share one refresh. The lock is held across the token request: a rotated token is never issued
 * without being stored in the same transaction (a crash between the two still loses it, and
 * the connection then needs authorizing again).
 */
export class TokenRefresher {
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(
    private readonly pool: Pool | null,
    private readonly cipher: CredentialCipher,
    private readonly now: () => number = Date.now,
  ) {}

  /** The token in hand when it is still good; otherwise the stored one, or a fresh one. */
  async accessToken(connection: Connection, grant: TokenGrant, request: TokenRequest): Promise<string> {
    const held = connection.credentials.accessToken;
    if (held && held !== request.rejected && this.fresh(connection.credentials)) return held;
    const running = this.inFlight.get(connection.id);
    if (running) return running;
    const refreshing = this.refresh(connection.id, grant, request).finally(() => this.inFlight.delete(connection.id));
    this.inFlight.set(connection.id, refreshing);
    return refreshing;
  }

  private fresh(credentials: Readonly<Record<string, string>>): boolean {
    return Number(credentials.accessExpiresAt ?? 0) - MARGIN_MS > this.now();
  }

  private async refresh(connectionId: string, grant: TokenGrant, request: TokenRequest): Promise<string> {
    const own = request.db ? null : await this.sessionPool().connect();
    const db = request.db ?? own!;
    try {
      await db.query('begin');
      try {
        await db.query(`set local lock_timeout = '${LOCK_TIMEOUT}'`);
        const { rows } = await db.query<{ key_id: string; credentials: Buffer }>('select key_id, credentials from partner_connections where id = $1 for update', [connectionId]);
        const row = rows[0];
        if (!row) throw new RetryableDeliveryError('the connection vanished during a token refresh');
        const stored = this.cipher.open(connectionId, { keyId: row.key_id, sealed: row.credentials }) as Record<string, string>;
        // Another replica (or an earlier send here) refreshed while this one waited: use its token.
        if (stored.accessToken && stored.accessToken !== request.rejected && this.fresh(stored)) {
          await db.query('commit');
          return stored.accessToken;
        }
        const token = await grant(stored, request.signal);
        const next: Record<string, string> = {
          ...stored,
          accessToken: token.accessToken,
          accessExpiresAt: String(this.now() + token.expiresInS * 1000),
          ...(token.refreshToken ? { refreshToken: token.refreshToken } : {}),
        };
        const { keyId, sealed } = this.cipher.seal(connectionId, next);
        await db.query('update partner_connections set key_id = $2, credentials = $3, updated_at = now() where id = $1', [connectionId, keyId, sealed]);
        await db.query('commit');
        return token.accessToken;
      } catch (error) {
        await db.query('rollback').catch(() => undefined);
        if (isLockTimeout(error)) throw new RetryableDeliveryError('another replica is still refreshing this connection\'s token', undefined, undefined, { cause: error });
        throw error;
      }
    } finally {
      own?.release();
    }
  }

  private sessionPool(): Pool {
    if (!this.pool) throw new Error('TokenRefresher needs a pool when no session is given');
    return this.pool;
  }
}

function isLockTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '55P03';
}
