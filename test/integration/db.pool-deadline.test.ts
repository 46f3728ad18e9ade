import { afterEach, describe, expect, it } from '@jest/globals';
import { Client, Pool } from 'pg';
import { enforceStatementTimeout } from '../../src/lib/pg-pools';
import { TEST_DATABASE_URL } from '../support/test-db';

/**
 * A pg Client that counts the queries it holds at once. pg queues a second query on a busy
 * client (deprecated in pg 8: "Calling client.query() when the client is already executing a
 * query"; refused in pg 9), so more than one means a client was used concurrently.
 */
let mostAtOnce = 0;
class CountingClient extends Client {
  private inFlight = 0;

  override query(...args: unknown[]): never {
    this.inFlight += 1;
    mostAtOnce = Math.max(mostAtOnce, this.inFlight);
    const done = () => (this.inFlight -= 1);
    const last = args.at(-1);
    if (typeof last === 'function') {
      args[args.length - 1] = (...results: unknown[]) => {
        done();
        (last as (...r: unknown[]) => void)(...results);
      };
      return (super.query as (...a: unknown[]) => never)(...args);
    }
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    return (result instanceof Promise ? result.finally(done) : (done(), result)) as never;
  }
}

const pools: Pool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()));
});

describe('a statement timeout on a pool the caller made', () => {
  it('is in effect for the first query of a new connection, and no other query shares that client', async () => {
    mostAtOnce = 0;
    const pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 1, Client: CountingClient });
    pools.push(pool);
    enforceStatementTimeout(pool, 4321);

    const first = await pool.query<{ statement_timeout: string }>('show statement_timeout');

    expect(first.rows[0]?.statement_timeout).toBe('4321ms');
    expect(mostAtOnce).toBe(1);
  });

  it('cuts a query that runs past it', async () => {
    const pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    pools.push(pool);
    enforceStatementTimeout(pool, 50);

    await expect(pool.query('select pg_sleep(5)')).rejects.toMatchObject({ code: '57014' });
  });
});
