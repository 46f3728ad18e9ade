import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { workerConfigSchema } from '../../../src/config/worker-config.schema';
import { routeBroadcastMessage, routeBroadcastPayload } from '../../../src/intake/broadcast-change';
import { routeOutboxPayload, routeOutboxRow } from '../../../src/intake/outbox-change';
import type { Routed } from '../../../src/intake/routed-change';
import { validateChange } from '../../../src/intake/validate-change';

const parse = (s: Record<string, unknown>) => workerConfigSchema.parse({ subscriptions: [s] }).subscriptions[0]!;
const event = (r: Routed) => {
  if (r.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(r)}`);
  return r.event;
};

const row = { id: 'a1b2c3d4-0000-4000-8000-000000000001', organization_id: 'org-1', couple_name: 'A & B', created_at: '2026-06-12T10:00:00.123456+00:00', updated_at: '2026-06-12T10:05:00.654321+00:00' };

describe('table mode: one row version, one id, live or read back', () => {
  const subscription = parse({ name: 'weddings', table: 'weddings', weddingIdColumn: 'id', catchUp: {} });
  const live = { schema: 'public', table: 'weddings', commit_timestamp: '2026-06-12T10:05:00.900Z', eventType: 'UPDATE', new: row, old: { id: row.id }, errors: null };
  // What the table reader builds: the stamp printed in another session time zone, no commit time.
  const readBack = { ...live, commit_timestamp: '2026-06-12T12:05:00.654321+02:00', new: { ...row, updated_at: '2026-06-12T12:05:00.654321+02:00' }, old: {} };

  it('uses the row version, not the commit time Realtime alone knows', () => {
    const a = validateChange(live, subscription);
    const b = validateChange(readBack, subscription);
    expect(a.ok && b.ok && a.event.id === b.event.id).toBe(true);
  });

  it('tells two versions of a row apart by a microsecond', () => {
    const next = { ...live, new: { ...row, updated_at: '2026-06-12T10:05:00.654322+00:00' } };
    const a = validateChange(live, subscription);
    const b = validateChange(next, subscription);
    expect(a.ok && b.ok && a.event.id !== b.event.id).toBe(true);
  });

  it('leaves the ids of subscriptions without a version column exactly as they were', () => {
    const plain = parse({ name: 'weddings', table: 'weddings' });
    const result = validateChange(live, plain);
    // The id as issue 2 defined it, computed independently.
    const parts = ['public', 'weddings', 'UPDATE', `id=${row.id}`, String(Date.parse('2026-06-12T10:05:00.900Z'))];
    const expected = `evt_${createHash('sha256').update(parts.join('\u001f')).digest('hex').slice(0, 32)}`;
    expect(result.ok && result.event.id).toBe(expected);
  });
});

describe('outbox mode: the outbox row decides the id, whichever path brought it', () => {
  const subscription = parse({ name: 'weddings', table: 'weddings', mode: 'outbox', weddingIdColumn: 'id' });
  const ctx = { schema: 'public', outboxTable: 'change_outbox', members: [subscription], stream: 'public.change_outbox' };
  const outboxRow = {
    id: 42,
    organization_id: 'org-1',
    source_schema: 'public',
    source_table: 'weddings',
    operation: 'UPDATE',
    record: row,
    old_record: { ...row, couple_name: 'A & C' },
    changed_at: '2026-06-12T10:05:00.700001+00:00',
  };
  const pushed = { schema: 'public', table: 'change_outbox', commit_timestamp: '2026-06-12T10:05:01.000Z', eventType: 'INSERT', new: outboxRow, old: {}, errors: null };

  it('gives the pushed INSERT and the row read back the same id and content, of the SOURCE table', () => {
    const live = event(routeOutboxPayload(pushed, ctx).routed);
    const read = event(routeOutboxRow({ ...outboxRow, changed_at: '2026-06-12T06:05:00.700001-04:00' }, ctx, 'catch-up').routed);
    expect(read.id).toBe(live.id);
    expect({ ...read, source: undefined }).toEqual({ ...live, source: undefined });
    expect(live).toMatchObject({ table: 'weddings', operation: 'UPDATE', primaryKey: { id: row.id }, subscription: 'weddings', oldRecord: { couple_name: 'A & C' } });
    expect(read.source).toBe('catch-up');
  });

  it('does not take a recreated outbox (same id, another time) for the same change', () => {
    const again = event(routeOutboxRow({ ...outboxRow, changed_at: '2027-01-01T00:00:00Z' }, ctx).routed);
    expect(again.id).not.toBe(event(routeOutboxRow(outboxRow, ctx).routed).id);
  });

  it('keeps the cursor below a payload Realtime truncated, so catch-up reads it whole', () => {
    const truncated = routeOutboxPayload({ ...pushed, new: { id: 42 }, errors: ['Error 413: Payload Too Large'] }, ctx);
    expect(truncated).toMatchObject({ incomplete: true, outboxId: 42, routed: { kind: 'rejected', error: { reason: 'upstream_error' } } });
  });

  it('keys wedding_vendors by its composite key, which the default ["id"] would miss', () => {
    const links = parse({ name: 'links', table: 'wedding_vendors', mode: 'outbox' });
    const link = { organization_id: 'org-1', wedding_id: 'w-1', vendor_id: 'v-1', role: 'florist' };
    const routed = routeOutboxRow({ ...outboxRow, source_table: 'wedding_vendors', operation: 'DELETE', record: null, old_record: link }, { ...ctx, members: [links] }).routed;
    expect(event(routed).primaryKey).toEqual({ wedding_id: 'w-1', vendor_id: 'v-1', role: 'florist' });
  });

  it('ignores tables nobody subscribed to, and the outbox DELETEs its pruning makes', () => {
    expect(routeOutboxRow({ ...outboxRow, source_table: 'payments' }, ctx).routed.kind).toBe('ignored');
    expect(routeOutboxPayload({ ...pushed, eventType: 'DELETE', new: {}, old: { id: 1 } }, ctx).routed.kind).toBe('ignored');
  });
});

describe('broadcast mode: the message id decides the id', () => {
  const subscription = parse({ name: 'weddings', table: 'weddings', mode: 'broadcast', weddingIdColumn: 'id' });
  const ctx = { members: [subscription], stream: 'broadcast:wedsync-changes' };
  const messageId = '0b9b7f0e-3c55-4c1b-9f5e-6a2b1d7c8e90';
  const payload = { id: messageId, operation: 'DELETE', schema: 'public', table: 'weddings', record: null, old_record: row };

  it('gives the broadcast and the realtime.messages row the same id and content', () => {
    const live = event(routeBroadcastPayload({ type: 'broadcast', event: 'DELETE', payload, meta: { id: messageId } }, ctx, '2026-06-12T10:06:00.000Z').routed);
    const read = event(routeBroadcastMessage({ id: messageId.toUpperCase(), payload, at: '2026-06-12T10:05:59.5Z' }, ctx, 'catch-up').routed);
    expect(read.id).toBe(live.id);
    expect({ ...read, source: undefined, commitTimestamp: '' }).toEqual({ ...live, source: undefined, commitTimestamp: '' });
    expect(live).toMatchObject({ operation: 'DELETE', record: null, oldRecord: row, primaryKey: { id: row.id } });
  });

  it('applies the subscription filter the server cannot apply to a shared topic', () => {
    const filtered = parse({ name: 'weddings', table: 'weddings', mode: 'broadcast', filter: 'organization_id=eq.org-2' });
    const routed = routeBroadcastMessage({ id: messageId, payload, at: '2026-06-12T10:05:59Z' }, { members: [filtered], stream: 's' }).routed;
    expect(routed).toMatchObject({ kind: 'ignored' });
  });
});
