import type { Pool, PoolClient } from 'pg';
import { ShutdownAbortError } from '../channels/errors';
import { abortableSleep } from '../lib/abortable-sleep';

/**
 * One send at a time per (connection, wedding), across every replica: a PostgreSQL session
 * advisory lock, held on its own connection for the read of the wedding and the partner
 * request. With the read inside the lock, whichever send runs last reads the newest committed
 * state, so the partner's last word is always the newest. A crash ends the session and the lock.
 * All database work of the send runs on `client`, so a send never waits for a second connection.
 */
export async function withRecordLock<T>(pool: Pool, key: string, signal: AbortSignal, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let locked = false;
  try {
    // Polled rather than blocking, so a shutdown stops the wait at once.
    for (let waitMs = 10; ; waitMs = Math.min(waitMs * 2, 250)) {
      if (signal.aborted) throw new ShutdownAbortError();
      const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtextextended($1, 7013)) as locked', [key]);
      if (rows[0]?.locked) break;
      await abortableSleep(waitMs, signal).catch(() => {
        throw new ShutdownAbortError();
      });
    }
    locked = true;
    return await work(client);
  } finally {
    if (locked) await client.query('select pg_advisory_unlock(hashtextextended($1, 7013))', [key]).catch(() => undefined);
    client.release();
  }
}
