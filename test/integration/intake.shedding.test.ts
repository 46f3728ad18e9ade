import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { ChangeEvent } from '../../src/intake/change-event';
import { judgeIntake } from '../../src/intake/intake-readiness';
import { recordingStore, streamRunnerFor } from '../support/intake-harness';
import { newOrganization, newWedding } from '../support/tenant-writes';
import { createTestSchema, type TestSchema } from '../support/test-db';
import { waitFor } from '../support/wait-for';

let db: TestSchema;
let org: string;
beforeAll(async () => {
  db = await createTestSchema('shedding');
  org = await newOrganization(db.pool);
});
afterAll(() => db.drop());
beforeEach(() => db.pool.query('delete from intake_cursors'));

const LIVE = { table: 'change_outbox', state: 'live' as const, reason: null, lastChangeAtMs: null, generation: 1 };

/** A wedding written, and the outbox row Realtime would push for it, as its payload. */
async function weddingPushed(couple: string): Promise<{ id: string; payload: unknown }> {
  const id = await newWedding(db.pool, org, couple);
  const { rows } = await db.pool.query<{ row: Record<string, unknown> }>(`select to_jsonb(o.*) as row from change_outbox o where o.record->>'id' = $1 order by id desc limit 1`, [id]);
  return { id, payload: { schema: db.schema, table: 'change_outbox', commit_timestamp: new Date().toISOString(), eventType: 'INSERT', new: rows[0]!.row, old: {}, errors: null } };
}

describe('intake back-pressure: while deciding is behind, live changes wait in the database', () => {
  it('leaves live outbox changes to catch-up while overloaded, loses none, and takes live ones again once a pass has read to the end', async () => {
    let behind = false;
    const handed: ChangeEvent[] = [];
    const store = recordingStore<{ after: number }>(db);
    const { runner, name, metrics, lines } = streamRunnerFor(
      db,
      { name: 'weddings', schema: db.schema, table: 'weddings', mode: 'outbox', outbox: { pageSize: 2 } },
      (event) => void handed.push(event),
      store,
      50,
      () => behind,
    );
    await runner.open();
    runner.onState({ name, sinceMs: Date.now(), ...LIVE });
    const couples = () => handed.map((e) => e.record?.couple_name);
    const deferred = async () => (await metrics.changesDeferred.get()).values.reduce((n, v) => n + v.value, 0);

    const a = await weddingPushed('A, live');
    runner.onPayload(a.payload);
    expect(couples()).toEqual(['A, live']);

    behind = true;
    for (const couple of ['B', 'C', 'D']) {
      const w = await weddingPushed(couple);
      runner.onPayload(w.payload);
      // Not taken into memory: the change waits in the outbox.
      expect(handed.some((e) => e.record?.id === w.id && e.source !== 'catch-up')).toBe(false);
    }
    await waitFor(() => ['B', 'C', 'D'].every((c) => couples().includes(c)), { what: 'B, C and D read back by catch-up' });
    expect(handed.filter((e) => ['B', 'C', 'D'].includes(String(e.record?.couple_name))).every((e) => e.source === 'catch-up')).toBe(true);
    await waitFor(() => !runner.lag().catchingUp, { what: 'the pass done' });
    // Still behind at the end of the pass: it goes on shedding, and /readyz says why.
    expect(runner.lag().shedding).toMatchObject({ shed: 3 });
    const verdict = judgeIntake(runner.lag(), { state: 'live', reason: null }, Date.now());
    expect(verdict).toMatchObject({ ready: true, state: 'degraded' });
    expect(verdict.reason).toMatch(/deciding is behind/);

    behind = false;
    // Shedding ends only with a pass read to the end: this one is read back too.
    const e = await weddingPushed('E');
    runner.onPayload(e.payload);
    expect(couples()).not.toContain('E');
    await waitFor(() => couples().includes('E') && runner.lag().shedding === null, { what: 'E read back and shedding over' });
    expect(lines.some((l) => l.msg === 'deciding caught up: live changes taken again' && l.shed === 4)).toBe(true);

    const f = await weddingPushed('F, live again');
    runner.onPayload(f.payload);
    expect(couples().at(-1)).toBe('F, live again');
    expect(handed.at(-1)?.source).toBeUndefined();

    await waitFor(() => !runner.lag().catchingUp, { what: 'the follow-up pass done' });
    await runner.close();
    // Every change once, in the order written; the cursor past them all.
    expect(couples()).toEqual(['A, live', 'B', 'C', 'D', 'E', 'F, live again']);
    expect(await deferred()).toBe(4);
    const { rows } = await db.pool.query<{ max: string }>('select max(id)::text as max from change_outbox');
    expect(await store.load(name)).toMatchObject({ after: Number(rows[0]!.max) });
  });

  it('never sheds a table-mode stream: its catch-up reads rows, and a deleted row could not be read back', async () => {
    const handed: ChangeEvent[] = [];
    const store = recordingStore<unknown>(db);
    const { runner, name, metrics } = streamRunnerFor(
      db,
      { name: 'weddings', schema: db.schema, table: 'weddings', weddingIdColumn: 'id', catchUp: { overlapMs: 1_000 } },
      (event) => void handed.push(event),
      store,
      50,
      () => true,
    );
    await runner.open();
    runner.onState({ name, sinceMs: Date.now(), ...LIVE, table: 'weddings' });
    const id = await newWedding(db.pool, org, 'Deleted soon after');
    runner.onPayload({ schema: db.schema, table: 'weddings', commit_timestamp: new Date().toISOString(), eventType: 'DELETE', new: {}, old: { id }, errors: null });
    expect(handed.map((e) => [e.operation, e.primaryKey])).toEqual([['DELETE', { id }]]);
    expect(runner.lag().shedding).toBeNull();
    expect((await metrics.changesDeferred.get()).values).toEqual([]);
    await runner.close();
  });
});
