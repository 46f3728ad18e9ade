import { describe, expect, it } from '@jest/globals';
import { validateChange, type RejectReason } from '../../../src/intake/validate-change';
import { workerConfigSchema } from '../../../src/config/worker-config.schema';

const subscription = workerConfigSchema.parse({ subscriptions: [{ name: 'weddings', table: 'weddings' }] }).subscriptions[0]!;

const valid = {
  schema: 'public',
  table: 'weddings',
  commit_timestamp: '2026-11-25T04:50:00.123Z',
  eventType: 'INSERT',
  new: { id: 7, couple: 'A & B' },
  old: {},
  errors: null,
};

describe('validateChange', () => {
  it('turns a realtime INSERT payload into a change event', () => {
    const result = validateChange(valid, subscription);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event).toMatchObject({
      schema: 'public',
      table: 'weddings',
      operation: 'INSERT',
      commitTimestamp: '2026-11-25T04:50:00.123Z',
      record: { id: 7, couple: 'A & B' },
      oldRecord: null,
      primaryKey: { id: 7 },
      subscription: 'weddings',
    });
    expect(result.event.id).toMatch(/^evt_[0-9a-f]{32}$/);
  });

  it('keys a DELETE by its old record', () => {
    const result = validateChange({ ...valid, eventType: 'DELETE', new: {}, old: { id: 9 } }, subscription);
    expect(result.ok && result.event.primaryKey).toEqual({ id: 9 });
    expect(result.ok && result.event.record).toBeNull();
  });

  const malformed: [string, unknown, RejectReason][] = [
    ['null', null, 'not_an_object'],
    ['a string', 'INSERT', 'not_an_object'],
    ['an array', [valid], 'not_an_object'],
    ['no table', { ...valid, table: undefined }, 'invalid_shape'],
    ['a record that is an array', { ...valid, new: [1, 2] }, 'invalid_shape'],
    ['errors that are not strings', { ...valid, errors: [413] }, 'invalid_shape'],
    ['Error 413 payload too large', { ...valid, errors: ['Error 413: Payload Too Large'] }, 'upstream_error'],
    ['Error 401 unauthorized', { ...valid, new: {}, commit_timestamp: null, errors: ['Error 401: Unauthorized'] }, 'upstream_error'],
    ['another table', { ...valid, table: 'payments' }, 'unexpected_source'],
    ['an unknown event type', { ...valid, eventType: 'TRUNCATE' }, 'unknown_operation'],
    ['a null commit timestamp', { ...valid, commit_timestamp: null }, 'bad_commit_timestamp'],
    ['a garbage commit timestamp', { ...valid, commit_timestamp: 'yesterday' }, 'bad_commit_timestamp'],
    ['an impossible date', { ...valid, commit_timestamp: '2026-13-45T99:00:00Z' }, 'bad_commit_timestamp'],
    ['an INSERT without a record', { ...valid, new: {} }, 'missing_record'],
    ['an UPDATE without a record', { ...valid, eventType: 'UPDATE', new: undefined }, 'missing_record'],
    ['a DELETE without an old record', { ...valid, eventType: 'DELETE', new: {}, old: {} }, 'missing_record'],
    ['no primary key', { ...valid, new: { couple: 'A & B' } }, 'missing_primary_key'],
    ['a primary key that is an object', { ...valid, new: { id: { nested: 1 } } }, 'missing_primary_key'],
    ['a primary key that is NaN', { ...valid, new: { id: Number.NaN } }, 'missing_primary_key'],
  ];

  it.each(malformed)('rejects %s with a reason', (_name, payload, reason) => {
    const result = validateChange(payload, subscription);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.reason).toBe(reason);
    expect(result.error.message.length).toBeGreaterThan(0);
  });

  it('gives the same id to the same change, whatever the offset notation', () => {
    const a = validateChange(valid, subscription);
    const b = validateChange({ ...valid, commit_timestamp: '2026-11-25T04:50:00.123+00:00', new: { id: 7, couple: 'changed' } }, subscription);
    expect(a.ok && b.ok && a.event.id === b.event.id).toBe(true);
  });

  it('gives different ids to different rows, operations and commits', () => {
    const ids = new Set(
      [
        valid,
        { ...valid, new: { id: 8 } },
        { ...valid, eventType: 'UPDATE' },
        { ...valid, commit_timestamp: '2026-11-25T04:50:00.124Z' },
      ].map((p) => {
        const r = validateChange(p, subscription);
        return r.ok ? r.event.id : 'rejected';
      }),
    );
    expect(ids.size).toBe(4);
  });
});
