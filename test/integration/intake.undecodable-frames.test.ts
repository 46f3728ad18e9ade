import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { installBroadcastStandIn } from '../support/broadcast-stand-in';
import { startIntake, type RunningIntake } from '../support/intake-harness';
import { startFakeRealtime, type FakeRealtime } from '../support/realtime-server';
import { createTestSchema, type TestSchema } from '../support/test-db';
import { waitFor } from '../support/wait-for';

/**
 * Frames realtime-js 2.119.0 itself throws on (a null `data`, a `type` that is no string under
 * the outbox's INSERT binding, `columns` that are no list), pushed over the real supabase-js
 * client by the loopback Realtime server: each mode still refuses the change in them with the
 * reason it gives a change it can read. Issue 11, item 11.
 */
let db: TestSchema;
let realtime: FakeRealtime;
let outbox: RunningIntake;
let table: RunningIntake;
let broadcast: RunningIntake;

beforeAll(async () => {
  db = await createTestSchema('undecodable');
  const messagesTable = await installBroadcastStandIn(db.pool, db.schema, 'wedsync-changes', ['weddings']);
  realtime = await startFakeRealtime({ timing: 'fast' });
  outbox = await startIntake({ realtime, db, subscriptions: [{ name: 'weddings', schema: db.schema, table: 'weddings', mode: 'outbox', weddingIdColumn: 'id' }] });
  table = await startIntake({ realtime, db, subscriptions: [{ name: 'weddings', schema: db.schema, table: 'weddings' }] });
  broadcast = await startIntake({ realtime, db, subscriptions: [{ name: 'weddings', schema: db.schema, table: 'weddings', mode: 'broadcast', broadcast: { messagesTable: messagesTable.replace(/"/g, '') } }] });
  await Promise.all([outbox.untilLive(), table.untilLive(), broadcast.untilLive()]);
  await realtime.waitForLive();
});
afterAll(async () => {
  await Promise.all([outbox?.stop(), table?.stop(), broadcast?.stop()]);
  await realtime?.close();
  await db?.drop();
});

const AT = '2026-11-25T10:00:00.000Z';
const WEDDING_COLUMNS = [
  { name: 'id', type: 'text' },
  { name: 'couple', type: 'text' },
];
const OUTBOX_COLUMNS = ['id:int8', 'source_schema:text', 'source_table:text', 'operation:text', 'record:jsonb', 'old_record:jsonb', 'changed_at:timestamptz'].map((c) => ({ name: c.split(':')[0], type: c.split(':')[1] }));

interface Change {
  readonly type?: unknown;
  readonly table?: string;
  readonly record?: Record<string, unknown>;
  readonly at?: string;
  /** What realtime-js converts the record by; not a list makes it throw. */
  readonly columns?: unknown;
}

let outboxId = 100;
/** The `data` of a postgres_changes push, as Realtime sends it for each mode. */
const frames = {
  table: (c: Change) => ({ schema: db.schema, table: c.table ?? 'weddings', commit_timestamp: c.at ?? AT, type: c.type, columns: c.columns ?? WEDDING_COLUMNS, record: c.record ?? { id: 'w-1', couple: 'Ada & Bo' }, errors: null }),
  outbox: (c: Change) => ({
    schema: db.schema,
    table: c.table ?? 'change_outbox',
    commit_timestamp: AT,
    type: c.type,
    columns: c.columns ?? OUTBOX_COLUMNS,
    record: { id: (outboxId += 1), source_schema: db.schema, source_table: 'weddings', operation: 'INSERT', record: c.record ?? { id: 'w-1', couple: 'Ada & Bo' }, old_record: null, changed_at: c.at ?? AT },
    errors: null,
  }),
};

const NOT_A_LIST = 'id,couple';
const cases: readonly { readonly title: string; readonly change: Change | null; readonly reason: string }[] = [
  { title: 'a push without data', change: null, reason: 'not_an_object' },
  { title: 'no type', change: {}, reason: 'invalid_shape' },
  { title: 'a type that is a number', change: { type: 5 }, reason: 'invalid_shape' },
  { title: 'columns that are no list, and a change time that is no ISO instant', change: { type: 'INSERT', columns: NOT_A_LIST, at: '2024' }, reason: 'bad_commit_timestamp' },
  { title: 'columns that are no list, and another table on the channel', change: { type: 'INSERT', columns: NOT_A_LIST, table: 'payments' }, reason: 'unexpected_source' },
  { title: 'columns that are no list, and a record without its primary key', change: { type: 'INSERT', columns: NOT_A_LIST, record: { couple: 'x' } }, reason: 'missing_primary_key' },
];

const rejectedReasons = (intake: RunningIntake) => intake.lines.filter((l) => l.msg === 'change rejected').map((l) => l.reason);
const undecodable = (intake: RunningIntake) => intake.lines.filter((l) => l.msg === 'undecodable frame').length;

describe('a frame realtime-js cannot decode', () => {
  it.each(['outbox', 'table'] as const)('is refused with the reason every mode gives its change (%s mode)', async (mode) => {
    const intake = mode === 'outbox' ? outbox : table;
    const target = mode === 'outbox' ? 'change_outbox' : 'weddings';
    const before = rejectedReasons(intake).length;
    const undecodableBefore = undecodable(intake);
    for (const c of cases) expect(realtime.pushRawChange(target, c.change === null ? null : frames[mode](c.change), { schema: db.schema })).toBe(1);

    await waitFor(() => rejectedReasons(intake).length - before >= cases.length, { what: `${cases.length} ${mode} changes refused` });

    expect(rejectedReasons(intake).slice(before)).toEqual(cases.map((c) => c.reason));
    expect(undecodable(intake)).toBe(undecodableBefore);
  });

  it('in broadcast mode: a JSON broadcast push with a null payload is refused as no object, as the other modes refuse theirs', async () => {
    const before = rejectedReasons(broadcast).length;
    const undecodableBefore = undecodable(broadcast);
    // Text frames (vsn 2.0.0) go to every socket; only the broadcast intake has a channel on this topic.
    expect(realtime.pushFrame([null, null, 'realtime:wedsync-changes', 'broadcast', null])).toBe(3);

    await waitFor(() => rejectedReasons(broadcast).length > before, { what: 'the broadcast refused' });

    expect(rejectedReasons(broadcast).slice(before)).toEqual(['not_an_object']);
    expect(undecodable(broadcast)).toBe(undecodableBefore);
  });

  it.each(['outbox', 'table'] as const)('is still counted undecodable, and not handed on, when nothing is wrong with its change (%s mode)', async (mode) => {
    const intake = mode === 'outbox' ? outbox : table;
    const events = intake.events.length;
    const undecodableBefore = undecodable(intake);
    const rejected = rejectedReasons(intake).length;
    realtime.pushRawChange(mode === 'outbox' ? 'change_outbox' : 'weddings', frames[mode]({ type: 'INSERT', columns: NOT_A_LIST }), { schema: db.schema });

    await waitFor(() => undecodable(intake) > undecodableBefore, { what: 'the frame counted undecodable' });

    expect(intake.events.length).toBe(events);
    expect(rejectedReasons(intake).length).toBe(rejected);
  });
});
