import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChangeEvent } from '../../src/intake/change-event';
import { createPgCursorStore, type CursorStore } from '../../src/intake/cursor-store';
import { recordingStore, streamRunnerFor } from '../support/intake-harness';
import { newOrganization, newWedding, outboxMaxId } from '../support/tenant-writes';
import { createTestSchema, type TestSchema } from '../support/test-db';
import { deferred, waitFor, type Deferred } from '../support/wait-for';

let db: TestSchema;
let org: string;
beforeAll(async () => {
  db = await createTestSchema('cursor');
  org = await newOrganization(db.pool);
});
afterAll(() => db.drop());

describe('the intake cursor store', () => {
  it('has nothing for a stream that never saved, then keeps the newest position', async () => {
    const store = createPgCursorStore(db.pool);
    expect(await store.load('weddings')).toBeNull();
    await store.save('weddings', { at: '2026-06-12T10:00:00Z', recent: [] });
    await store.save('weddings', { at: '2026-06-12T11:00:00Z', recent: [['k', '1']] });
    expect(await store.load('weddings')).toEqual({ at: '2026-06-12T11:00:00Z', recent: [['k', '1']] });
    const { rows } = await db.pool.query('select count(*)::int as n from intake_cursors where name = $1', ['weddings']);
    expect(rows[0].n).toBe(1);
  });
});

describe('the stream runner moves the cursor only past what was handed on', () => {
  function outboxRunner(onEvent: (e: ChangeEvent) => void | PromiseLike<void>, store: CursorStore, flushEveryMs = 60_000) {
    return streamRunnerFor(db, { name: 'weddings', schema: db.schema, table: 'weddings', mode: 'outbox', outbox: { pageSize: 2 } }, onEvent, store, flushEveryMs);
  }


  it('waits for a promise-returning onEvent (a durable queue) before saving a catch-up page', async () => {
    const store = recordingStore<{ after: number }>(db);
    const pending: Deferred<void>[] = [];
    const { runner, lines, name } = outboxRunner(() => {
      const d = deferred();
      pending.push(d);
      return d.promise;
    }, store);
    await runner.open();
    const from = await outboxMaxId(db.pool);
    await newWedding(db.pool, org, 'Queued 1');
    await newWedding(db.pool, org, 'Queued 2');
    await newWedding(db.pool, org, 'Queued 3');

    runner.onLive();
    await waitFor(() => pending.length === 2, { what: 'the first page handed on' });
    // Only the starting point of this fresh stream, saved on open: the page is not persisted
    // downstream yet, so the cursor must not move past it.
    expect(store.saves).toEqual([{ after: from, seen: [] }]);
    pending[0]!.resolve();
    pending[1]!.resolve();
    await waitFor(() => pending.length === 3, { what: 'the second page' });
    expect(store.saves.at(-1)?.after).toBe(from + 2);
    pending[2]!.resolve();
    await waitFor(() => lines.some((l) => l.msg === 'catch-up done'), { what: 'catch-up done' });
    expect(lines.find((l) => l.msg === 'catch-up done')).toMatchObject({ subscription: name, recovered: 3, read: 3 });
    expect(store.saves.at(-1)?.after).toBe(from + 3);
    await runner.close();
    expect(await store.load(name)).toMatchObject({ after: from + 3, seen: [] });
  });

  it('lets a change the queue refused through again, and reads it back', async () => {
    const store = recordingStore<{ after: number }>(db);
    let refuse = true;
    const handed: string[] = [];
    const { runner } = outboxRunner((e) => {
      handed.push(e.id);
      if (refuse) {
        refuse = false;
        return Promise.reject(new Error('queue unavailable'));
      }
      return undefined;
    }, store);
    await runner.open();
    await newWedding(db.pool, org, 'Refused once');
    runner.onLive();
    await waitFor(() => handed.length === 2, { what: 'the retry through catch-up' });
    expect(handed[0]).toBe(handed[1]);
    await runner.close();
  });

  it('saves live progress at most once per flush interval, and on close', async () => {
    const store = recordingStore<{ after: number }>(db);
    const { runner } = outboxRunner(() => undefined, store, 200);
    await runner.open();
    const start = await outboxMaxId(db.pool);
    const { rows } = await db.pool.query<{ row: Record<string, unknown> }>(`select to_jsonb(o.*) as row from change_outbox o order by id desc limit 1`);
    const template = rows[0]!.row;
    for (let i = 1; i <= 20; i++) {
      runner.onPayload({ schema: db.schema, table: 'change_outbox', commit_timestamp: '2026-06-12T10:00:00.000Z', eventType: 'INSERT', new: { ...template, id: start + i }, old: {}, errors: null });
    }
    expect(store.saves).toEqual([]);
    await waitFor(() => store.saves.length > 0, { what: 'a flush' });
    expect(store.saves).toEqual([{ after: start + 20, seen: [] }]);
    await runner.close();
    expect(store.saves.length).toBe(2);
  });

  it('saves the starting point of a new stream before calling it live, and retries only the save', async () => {
    await db.pool.query('delete from intake_cursors');
    const inner = recordingStore<{ after: number }>(db);
    let refuse = true;
    const store: CursorStore = {
      load: (stream) => inner.load(stream),
      save(stream, position) {
        if (refuse) return Promise.reject(new Error('database unavailable'));
        return inner.save(stream, position);
      },
    };
    const handed: ChangeEvent[] = [];
    const { runner, lines, name } = outboxRunner((e) => void handed.push(e), store);
    const from = await outboxMaxId(db.pool);
    await runner.open();
    expect(lines.some((l) => l.msg === 'intake cursor not loaded; catch-up retries')).toBe(true);
    runner.onState({ name, table: 'change_outbox', state: 'live', reason: null, sinceMs: Date.now(), lastChangeAtMs: null, generation: 1 });
    expect(runner.lag().live).toBe(false); // live on the socket, but a crash now would lose its start

    // Written while the starting point is not saved: opening the cursor afresh would skip it.
    const wedding = await newWedding(db.pool, org, 'While the cursor was unsaved');
    refuse = false;
    runner.onLive();
    await waitFor(() => handed.some((e) => e.record?.id === wedding), { what: 'the change caught up' });
    expect(inner.saves[0]).toEqual({ after: from, seen: [] });
    expect(runner.lag().live).toBe(true);
    await runner.close();
  });

  it('lets a catch-up copy of a change wait for its live copy: when that one fails, the change is read again', async () => {
    await db.pool.query('delete from intake_cursors');
    const store = recordingStore<{ after: number }>(db);
    const copies: Array<{ id: string; outcome: Deferred<void> }> = [];
    const { runner, lines, name, metrics } = outboxRunner((e) => {
      const outcome = deferred();
      copies.push({ id: e.id, outcome });
      return outcome.promise;
    }, store);
    await runner.open();
    await newWedding(db.pool, org, 'Live and caught up at once');
    const { rows } = await db.pool.query<{ row: Record<string, unknown> }>(`select to_jsonb(o.*) as row from change_outbox o order by id desc limit 1`);
    const outboxId = Number(rows[0]!.row.id);

    // The live copy is being decided (its queue insert is under way) when catch-up reads the row.
    runner.onPayload({ schema: db.schema, table: 'change_outbox', commit_timestamp: new Date().toISOString(), eventType: 'INSERT', new: rows[0]!.row, old: {}, errors: null });
    expect(copies).toHaveLength(1);
    runner.onLive();
    const duplicates = async () => (await metrics.changesDuplicate.get()).values.reduce((n, v) => n + v.value, 0);
    await waitFor(async () => (await duplicates()) === 1, { what: 'the catch-up copy seen as a repeat' });

    copies[0]!.outcome.reject(new Error('the queue insert was aborted by a shutdown'));
    await waitFor(() => copies.length === 2, { what: 'the change read back and handed on again' });
    expect(copies[1]!.id).toBe(copies[0]!.id);
    copies[1]!.outcome.resolve();
    await waitFor(() => lines.filter((l) => l.msg === 'catch-up done').length >= 2 && !runner.lag().catchingUp, { what: 'the catch-ups done' });
    await runner.close();
    expect(await store.load(name)).toMatchObject({ after: outboxId });
  });
});
