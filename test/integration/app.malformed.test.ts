import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from '../support/start-app';
import { waitFor } from '../support/wait-for';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await t.untilReady();
});
afterAll(() => t.close());

const ts = '2026-11-25T10:00:00.000Z';
const columns = [
  { name: 'id', type: 'int8' },
  { name: 'couple', type: 'text' },
];
const base = { schema: 'public', table: 'weddings', commit_timestamp: ts, type: 'INSERT', columns, record: { id: 1, couple: 'x' }, errors: null };

// Frames as the Realtime server puts them on the wire (realtime-protocol.md §3.1), each broken one way.
const malformed: [string, Record<string, unknown>, string][] = [
  ['row too large (Error 413)', { ...base, record: { id: 1 }, errors: ['Error 413: Payload Too Large'] }, 'upstream_error'],
  ['table without primary key (Error 400)', { ...base, columns: [], record: {}, commit_timestamp: null, errors: ['Error 400: Bad Request, no primary key'] }, 'upstream_error'],
  ['role cannot read the key (Error 401)', { ...base, columns: [], record: {}, commit_timestamp: null, errors: ['Error 401: Unauthorized'] }, 'upstream_error'],
  ['INSERT without a record', { ...base, record: undefined }, 'missing_record'],
  ['INSERT with an empty record', { ...base, record: {} }, 'missing_record'],
  ['DELETE with an empty old record', { ...base, type: 'DELETE', record: undefined, old_record: {} }, 'missing_record'],
  ['unknown operation', { ...base, type: 'TRUNCATE' }, 'unknown_operation'],
  ['garbage commit timestamp', { ...base, commit_timestamp: 'not-a-time' }, 'bad_commit_timestamp'],
  ['missing commit timestamp', { ...base, commit_timestamp: undefined }, 'bad_commit_timestamp'],
  ['record without the primary key', { ...base, record: { couple: 'x' } }, 'missing_primary_key'],
  ['primary key of the wrong type', { ...base, record: { id: true, couple: 'x' } }, 'missing_primary_key'],
  ['another table on this channel', { ...base, table: 'payments' }, 'unexpected_source'],
  ['errors of the wrong type', { ...base, errors: 'Error 413' }, 'invalid_shape'],
  // realtime-js spreads a string record into an object of characters; there is still no key.
  ['record that is a string', { ...base, record: 'oops' }, 'missing_primary_key'],
  ['no operation at all', { ...base, type: undefined }, 'invalid_shape'],
  ['no schema', { ...base, schema: undefined }, 'invalid_shape'],
];

describe('malformed change payloads', () => {
  it('survives frames that realtime-js itself cannot decode: refused with the reason of their change, else counted undecodable', async () => {
    const reasons = () => t.lines.filter((l) => l.msg === 'change rejected').map((l) => l.reason);
    const before = reasons().length;
    // realtime-js throws on both (a null `data`; `columns` that are no list): the change in the first is no object, the second's is fine.
    t.realtime.pushRawChange('weddings', null);
    t.realtime.pushRawChange('weddings', { ...base, columns: 'id,couple' });
    t.realtime.emitChange({ table: 'weddings', type: 'INSERT', record: { id: 98 } });
    await waitFor(() => t.receiver.requests.some((r) => r.body.includes('"id":98')), { what: 'the valid change delivered' });
    expect(reasons().slice(before)).toEqual(['not_an_object', 'undecodable_frame']);
    expect((await t.readyz()).status).toBe(200);
  });

  it('are each logged with a reason and counted, without blocking a valid change sent right after', async () => {
    const firstLine = t.lines.length;
    // prom-client hands out its live value objects: copy the numbers now.
    const countedBefore = new Map((await t.app.metrics.changesRejected.get()).values.map((v) => [v.labels.reason, v.value]));
    const before = (reason: string) => countedBefore.get(reason) ?? 0;
    for (const [, data] of malformed) expect(t.realtime.pushRawChange('weddings', data)).toBe(1);
    t.realtime.emitChange({ table: 'weddings', type: 'INSERT', record: { id: 99, couple: 'valid' } });

    await waitFor(() => t.receiver.requests.some((r) => r.body.includes('"id":99')), { what: 'the valid change delivered' });

    const rejected = t.lines.slice(firstLine).filter((l) => l.msg === 'change rejected');
    expect(rejected.map((l) => l.reason)).toEqual(malformed.map(([, , reason]) => reason));
    for (const line of rejected) {
      expect(line).toMatchObject({ level: 'warn', subscription: 'weddings', detail: expect.any(String) });
    }
    const counted = await t.app.metrics.changesRejected.get();
    const added = counted.values.reduce((sum, v) => sum + v.value - before(v.labels.reason as string), 0);
    expect(added).toBe(malformed.length);
    expect((counted.values.find((v) => v.labels.reason === 'upstream_error')?.value ?? 0) - before('upstream_error')).toBe(3);
    expect((await t.readyz()).status).toBe(200);
  });
});
