import { describe, expect, it } from '@jest/globals';
import { workerConfigSchema } from '../../../src/config/worker-config.schema';
import type { Queryable } from '../../../src/lib/queryable';
import { createDriver, planStreams } from '../../../src/intake/intake-streams';
import type { Routed } from '../../../src/intake/routed-change';

/**
 * One list of hostile changes, each broken one way, carried the way each mode carries a change
 * (a postgres_changes payload of the table, an INSERT into the outbox, a database broadcast) and
 * run through that mode's live path: every mode must refuse it with the same reason.
 */
type Mode = 'table' | 'outbox' | 'broadcast';

interface Change {
  schema?: unknown;
  table?: unknown;
  operation?: unknown;
  record?: unknown;
  oldRecord?: unknown;
  at?: unknown;
  errors?: unknown;
}

const AT = '2026-11-25T10:00:00.000Z';
const good: Change = { schema: 'public', table: 'weddings', operation: 'INSERT', record: { id: 'w-1', couple: 'Ada & Bo' }, at: AT, errors: null };
const MESSAGE_ID = '6f1c3c0e-2f4b-4a57-9b8e-0d5c9a7b1e21';

// The callback payloads realtime-js hands on (realtime-protocol.md §3.2, §4), one per mode.
const carriers: Record<Mode, (c: Change) => unknown> = {
  table: (c) => ({ schema: c.schema, table: c.table, commit_timestamp: c.at, eventType: c.operation, new: c.record, old: c.oldRecord, errors: c.errors }),
  outbox: (c) => ({
    schema: 'public',
    table: 'change_outbox',
    commit_timestamp: AT,
    eventType: 'INSERT',
    new: { id: 41, source_schema: c.schema, source_table: c.table, operation: c.operation, record: c.record, old_record: c.oldRecord, changed_at: c.at },
    old: {},
    errors: c.errors,
  }),
  broadcast: (c) => ({
    type: 'broadcast',
    event: String(c.operation),
    payload: { operation: c.operation, schema: c.schema, table: c.table, record: c.record, old_record: c.oldRecord },
    meta: { id: MESSAGE_ID },
  }),
};

const ALL: readonly Mode[] = ['table', 'outbox', 'broadcast'];
// A broadcast carries neither Realtime's in-band errors nor a time of its own (the arrival is its time).
const WITH_TIME_AND_ERRORS: readonly Mode[] = ['table', 'outbox'];

interface Case {
  readonly title: string;
  readonly change?: Change;
  /** The carrier itself replaced, for faults of the payload rather than of the change. */
  readonly payload?: Partial<Record<Mode, unknown>>;
  readonly reason: string;
  readonly modes: readonly Mode[];
}

const HUGE = 'x'.repeat(1_100_000);

const cases: Case[] = [
  { title: 'a payload that is no object', payload: { table: 'oops', outbox: 'oops', broadcast: 'oops' }, reason: 'not_an_object', modes: ALL },
  { title: 'a payload that is an array', payload: { table: [1], outbox: [1], broadcast: [1] }, reason: 'not_an_object', modes: ALL },
  { title: 'Realtime says the row was too large (Error 413)', change: { record: { id: 'w-1' }, errors: ['Error 413: Payload Too Large'] }, reason: 'upstream_error', modes: WITH_TIME_AND_ERRORS },
  { title: 'errors of the wrong type', change: { errors: 'Error 413' }, reason: 'invalid_shape', modes: WITH_TIME_AND_ERRORS },
  { title: 'no schema', change: { schema: undefined }, reason: 'invalid_shape', modes: ALL },
  { title: 'no operation at all', change: { operation: undefined }, reason: 'invalid_shape', modes: ALL },
  { title: 'an operation that is a number', change: { operation: 5 }, reason: 'invalid_shape', modes: ALL },
  { title: 'an unknown operation', change: { operation: 'TRUNCATE' }, reason: 'unknown_operation', modes: ALL },
  { title: 'a record that is a string', change: { record: 'oops' }, reason: 'invalid_shape', modes: ALL },
  { title: 'an INSERT without a record', change: { record: undefined }, reason: 'missing_record', modes: ALL },
  { title: 'an INSERT with an empty record', change: { record: {} }, reason: 'missing_record', modes: ALL },
  { title: 'a DELETE with an empty old record', change: { operation: 'DELETE', record: undefined, oldRecord: {} }, reason: 'missing_record', modes: ALL },
  { title: 'a record without the primary key', change: { record: { couple: 'x' } }, reason: 'missing_primary_key', modes: ALL },
  { title: 'a primary key of the wrong type', change: { record: { id: true } }, reason: 'missing_primary_key', modes: ALL },
  { title: 'a record over 1 MiB', change: { record: { id: 'w-1', notes: HUGE } }, reason: 'too_large', modes: ALL },
  { title: 'an old record over 1 MiB', change: { operation: 'DELETE', record: undefined, oldRecord: { id: 'w-1', notes: HUGE } }, reason: 'too_large', modes: ALL },
  { title: 'no change time', change: { at: undefined }, reason: 'bad_commit_timestamp', modes: WITH_TIME_AND_ERRORS },
  ...['not-a-time', '1', '2024', 'Tue Mar 05 2024', '2026-02-30T10:00:00Z', '2026-13-01T10:00:00Z', '2026-11-25T24:00:00Z', '2026-11-25T10:60:00Z', '2026-11-25T10:00:00', '2026-11-25 10:00:00Z', '2026-11-25T10:00:00+25:00', 1_764_064_800_000].map(
    (at): Case => ({ title: `change time ${JSON.stringify(at)}`, change: { at }, reason: 'bad_commit_timestamp', modes: WITH_TIME_AND_ERRORS }),
  ),
  {
    title: 'a change of another table on the channel',
    change: { table: 'payments' },
    payload: { outbox: { ...(carriers.outbox(good) as object), table: 'payments' } },
    reason: 'unexpected_source',
    modes: ['table', 'outbox'],
  },
];

const dbUnused: Queryable = {
  query: () => Promise.reject(new Error('the live path must not query')),
};

const drivers = Object.fromEntries(
  ALL.map((mode) => {
    const subscription = { name: 'weddings', schema: 'public', table: 'weddings', mode, ...(mode === 'broadcast' ? { broadcast: { topic: 'wedsync-changes' } } : {}) };
    const plan = planStreams(workerConfigSchema.parse({ subscriptions: [subscription] }).subscriptions)[0]!;
    return [mode, createDriver(plan, dbUnused, () => Date.parse(AT))];
  }),
) as Record<Mode, ReturnType<typeof createDriver>>;

function run(mode: Mode, c: Case): Routed {
  const payload = c.payload && mode in c.payload ? c.payload[mode] : carriers[mode]({ ...good, ...c.change });
  return drivers[mode].live(payload).routed;
}

describe('every intake mode refuses a hostile change with the same reason', () => {
  it.each(ALL)('takes the well-formed change in %s mode', (mode) => {
    const routed = run(mode, { title: 'valid', reason: '', modes: ALL });
    expect(routed).toMatchObject({ kind: 'event', event: { table: 'weddings', operation: 'INSERT', primaryKey: { id: 'w-1' } } });
  });

  const rows = cases.flatMap((c) => c.modes.map((mode) => [c.title, mode, c] as const));
  it.each(rows)('%s (%s mode)', (_title, mode, c) => {
    const routed = run(mode, c);
    expect(routed.kind).toBe('rejected');
    expect(routed.kind === 'rejected' && routed.error.reason).toBe(c.reason);
  });

  it('says how big a refused change was, not what it held', () => {
    const routed = run('table', cases.find((c) => c.reason === 'too_large')!);
    const detail = routed.kind === 'rejected' ? routed.error.message : '';
    expect(detail).toMatch(/\d+ bytes/);
    expect(detail).not.toContain('xxx');
  });

  it('ignores, rather than refuses, an outbox row of a table nobody subscribed to', () => {
    expect(run('outbox', { title: 'other', change: { table: 'payments' }, reason: '', modes: ['outbox'] })).toMatchObject({ kind: 'ignored' });
  });
});
