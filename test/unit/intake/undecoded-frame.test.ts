import { describe, expect, it } from '@jest/globals';
import { readUndecodedChange } from '../../../src/intake/undecoded-frame';

const data = { schema: 'public', table: 'weddings', commit_timestamp: '2026-11-25T10:00:00Z', type: 'UPDATE', columns: 'x', record: { id: 1 }, old_record: { id: 0 }, errors: null };
const callbackPayload = { schema: 'public', table: 'weddings', commit_timestamp: '2026-11-25T10:00:00Z', eventType: 'UPDATE', new: { id: 1 }, old: { id: 0 }, errors: null };

describe('a frame realtime-js threw on, read back', () => {
  it('gives the topic and the payload realtime-js would have handed on, from a vsn 2.0.0 or 1.0.0 frame', () => {
    const v2 = JSON.stringify([null, null, 'realtime:wedsync-weddings', 'postgres_changes', { ids: [1], data }]);
    const v1 = JSON.stringify({ topic: 'realtime:wedsync-weddings', event: 'postgres_changes', payload: { ids: [1], data }, ref: null });
    expect(readUndecodedChange(v2)).toEqual({ topic: 'realtime:wedsync-weddings', payload: callbackPayload });
    expect(readUndecodedChange(Buffer.from(v1))).toEqual({ topic: 'realtime:wedsync-weddings', payload: callbackPayload });
  });

  it('keeps a `data` that is no object as it is, for the checks to refuse', () => {
    expect(readUndecodedChange(JSON.stringify([null, null, 't', 'postgres_changes', { ids: [1], data: null }]))?.payload).toBeNull();
  });

  it("gives a broadcast push's payload as it is (realtime-js throws on a null one)", () => {
    expect(readUndecodedChange(JSON.stringify([null, null, 'realtime:wedsync-changes', 'broadcast', null]))).toEqual({ topic: 'realtime:wedsync-changes', payload: null });
  });

  it.each([
    ['text that is not JSON', 'not json'],
    ['a reply', JSON.stringify(['1', '1', 't', 'phx_reply', { status: 'ok' }])],
    ['a push without ids', JSON.stringify([null, null, 't', 'postgres_changes', { data }])],
    ['bytes that are not a frame', new ArrayBuffer(4)],
  ])('is nothing for %s', (_what, frame) => {
    expect(readUndecodedChange(frame)).toBeNull();
  });
});
