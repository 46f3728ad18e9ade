import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { ChangeEvent } from '../../src/intake/change-event';
import type { TimePosition } from '../../src/intake/time-cursor';
import { recordingStore, streamRunnerFor } from '../support/intake-harness';
import { newOrganization } from '../support/tenant-writes';
import { createTestSchema, type TestSchema } from '../support/test-db';
import { deferred, waitFor, type Deferred } from '../support/wait-for';

let db: TestSchema;
let org: string;
beforeAll(async () => {
  db = await createTestSchema('unsettled');
  org = await newOrganization(db.pool);
});
afterAll(() => db.drop());
beforeEach(() => db.pool.query('delete from intake_cursors'));

/** A wedding stamped `secondsAhead` after the database's clock, as a row version. */
async function weddingStamped(couple: string, secondsAhead: number): Promise<{ id: string; stamp: string }> {
  const { rows } = await db.pool.query<{ id: string; stamp: string }>(
    `insert into weddings (organization_id, couple_name, wedding_date, time_zone, created_at, updated_at)
     values ($1, $2, date '2027-06-12', 'Europe/London', clock_timestamp() + make_interval(secs => $3), clock_timestamp() + make_interval(secs => $3))
     returning id, to_jsonb(updated_at) #>> '{}' as stamp`,
    [org, couple, secondsAhead],
  );
  return rows[0]!;
}

/** Whether a saved position is at this stamp, judged by PostgreSQL to the microsecond. */
async function savedAt(position: TimePosition | undefined, stamp: string): Promise<boolean> {
  if (!position?.at) return false;
  const { rows } = await db.pool.query<{ same: boolean }>('select $1::timestamptz = $2::timestamptz as same', [position.at, stamp]);
  return rows[0]!.same;
}

describe('table mode: the cursor never passes a change still being decided', () => {
  it('saves no position past an older unsettled change, and reads it again when it fails', async () => {
    const store = recordingStore<TimePosition>(db);
    const copies: Array<{ event: ChangeEvent; outcome: Deferred<void> }> = [];
    const { runner } = streamRunnerFor(
      db,
      { name: 'weddings', schema: db.schema, table: 'weddings', weddingIdColumn: 'id', catchUp: { overlapMs: 1_000, pageSize: 10 } },
      (event) => {
        const outcome = deferred();
        copies.push({ event, outcome });
        return outcome.promise;
      },
      store,
      50,
    );
    await runner.open();
    const older = await weddingStamped('Older, still being decided', 1);
    const newer = await weddingStamped('Newer, decided first', 10);

    runner.onLive();
    await waitFor(() => copies.length === 2, { what: 'both changes handed on' });
    const copyOf = (id: string) => copies.filter((c) => c.event.record?.id === id);
    copyOf(newer.id)[0]!.outcome.resolve();
    const savesBefore = store.saves.length;
    await waitFor(() => store.saves.length > savesBefore, { what: 'the settled change flushed' });
    // Saved now, a restart must still find the older change: the position stays at its stamp.
    expect(await savedAt(store.saves.at(-1), older.stamp)).toBe(true);

    // Its queue insert fails (a shutdown abort, a database error): catch-up must read it again.
    copyOf(older.id)[0]!.outcome.reject(new Error('insert aborted'));
    await waitFor(() => copyOf(older.id).length === 2, { what: 'the failed change read back' });
    copyOf(older.id)[1]!.outcome.resolve();
    await waitFor(async () => !runner.lag().catchingUp && (await savedAt(store.saves.at(-1), newer.stamp)), { what: 'the cursor past both' });
    await runner.close();
    expect(copyOf(newer.id)).toHaveLength(1);
  });
});
