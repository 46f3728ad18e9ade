import { Client } from 'pg';
import { TEST_DATABASE_URL } from './test-db';
import { waitFor } from './wait-for';

export interface TableLock {
  /** The pid of a backend waiting for this lock, once one is. */
  blockedPid(): Promise<number>;
  /** Ends that backend the way a server restart would: its query fails with 57P01. */
  terminateBlocked(): Promise<void>;
  release(): Promise<void>;
}

/** Holds an ACCESS EXCLUSIVE lock on `schema.table` in an open transaction, so writers wait on it. */
export async function lockTable(schema: string, table: string): Promise<TableLock> {
  const relation = `"${schema}"."${table}"`;
  const admin = new Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query('begin');
  await admin.query(`lock table ${relation} in access exclusive mode`);
  let released = false;
  const blockedPid = () =>
    waitFor(
      async () => {
        const { rows } = await admin.query<{ pid: number }>('select pid from pg_locks where relation = $1::regclass and not granted', [relation]);
        return rows[0]?.pid;
      },
      { what: `a backend waiting on ${relation}` },
    );
  return {
    blockedPid,
    async terminateBlocked() {
      await admin.query('select pg_terminate_backend($1)', [await blockedPid()]);
    },
    async release() {
      if (released) return;
      released = true;
      await admin.query('rollback');
      await admin.end();
    },
  };
}
