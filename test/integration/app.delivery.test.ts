import { afterEach, describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { startTestApp, type TestApp } from '../support/start-app';
import { TEST_SECRET } from '../support/test-config';
import { waitFor } from '../support/wait-for';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const commitTimestamp = '2026-11-25T14:03:07.250Z';

describe('a realtime change becomes a signed webhook', () => {
  it('delivers an INSERT whose signature the standardwebhooks package verifies', async () => {
    t = await startTestApp();
    await t.untilReady();
    t.realtime.emitChange({ table: 'weddings', type: 'INSERT', record: { id: 42, couple: 'Ana & Bo', status: 'planned' }, commitTimestamp });

    const request = await waitFor(() => t!.receiver.requests[0], { what: 'the webhook' });
    const body = new Webhook(TEST_SECRET).verify(request.body, request.headers as Record<string, string>) as {
      type: string;
      data: Record<string, unknown>;
    };
    expect(request.path).toBe('/hooks/wedsync');
    expect(body.type).toBe('weddings.insert');
    expect(body.data).toMatchObject({
      event_id: expect.stringMatching(/^evt_/),
      table: 'weddings',
      operation: 'INSERT',
      commit_timestamp: commitTimestamp,
      record: { id: 42, couple: 'Ana & Bo', status: 'planned' },
      old_record: null,
      priority: { level: 'normal', reasons: ['change.generic is normal'] },
    });
    expect(request.headers['webhook-id']).toMatch(/^dlv_[0-9a-f]{32}$/);
  });

  it('retries 500, 500 then succeeds once, with the same webhook-id each time', async () => {
    t = await startTestApp();
    await t.untilReady();
    t.receiver.respondWith({ status: 500 }, { status: 500 }, { status: 200 });
    t.realtime.emitChange({ table: 'weddings', type: 'UPDATE', record: { id: 1, status: 'confirmed' }, oldRecord: { id: 1 } });

    await waitFor(() => t!.lines.find((l) => l.msg === 'delivered'), { what: 'the delivery' });
    const ids = t.receiver.requests.map((r) => r.headers['webhook-id']);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
    expect(t.lines.filter((l) => l.msg === 'delivery attempt failed; will retry').map((l) => l.status)).toEqual([500, 500]);
    expect(t.lines.find((l) => l.msg === 'delivered')).toMatchObject({ attempt: 3, deliveryId: ids[0], table: 'weddings', operation: 'UPDATE' });
  });

  // How long withRetry waits is proven on Jest's clock (unit/deliver/retry.test.ts); here, that
  // the receiver's Retry-After header is what the worker waits for, end to end.
  it('takes the Retry-After of a 429 as the wait before the next attempt', async () => {
    t = await startTestApp();
    await t.untilReady();
    t.receiver.respondWith({ status: 429, headers: { 'retry-after': '1' } }, { status: 200 });
    t.realtime.emitChange({ table: 'weddings', type: 'INSERT', record: { id: 2 } });

    const retry = await waitFor(() => t!.lines.find((l) => l.msg === 'delivery attempt failed; will retry'), { what: 'the retry decision' });
    expect(retry).toMatchObject({ status: 429, retryAfterMs: 1_000 });
    await waitFor(() => t!.lines.find((l) => l.msg === 'delivered'), { what: 'the delivery' });
    expect(t.receiver.requests.map((r) => r.headers['webhook-id'])).toEqual([retry.deliveryId, retry.deliveryId]);
  });

  it('does not retry a 400, and logs one line with the permanent failure and the delivery id', async () => {
    t = await startTestApp();
    await t.untilReady();
    t.receiver.respondWith({ status: 400 });
    t.realtime.emitChange({ table: 'weddings', type: 'INSERT', record: { id: 3 } });

    const failure = await waitFor(() => t!.lines.find((l) => l.msg === 'delivery failed permanently'), { what: 'the failure log' });
    expect(failure).toMatchObject({ level: 'error', status: 400, deliveryId: t.receiver.requests[0]!.headers['webhook-id'], deadLetter: true });
    expect(t.receiver.requests).toHaveLength(1);
    expect(t.lines.filter((l) => l.level === 'error')).toHaveLength(1);
    expect(t.lines.filter((l) => l.msg === 'delivery attempt failed; will retry')).toHaveLength(0);
  });

  it('delivers the same change pushed twice only once', async () => {
    t = await startTestApp();
    await t.untilReady();
    const change = { table: 'weddings', type: 'INSERT' as const, record: { id: 5 }, commitTimestamp };
    t.realtime.emitChange(change);
    t.realtime.emitChange(change);
    t.realtime.emitChange({ ...change, record: { id: 6 } });

    await waitFor(() => t!.lines.filter((l) => l.msg === 'delivered').length === 2, { what: 'two deliveries' });
    await waitFor(() => t!.lines.find((l) => l.msg === 'duplicate change dropped'), { what: 'the duplicate' });
    const ids = t.receiver.requests.map((r) => (JSON.parse(r.body) as { data: { record: { id: number } } }).data.record.id);
    expect(ids.sort()).toEqual([5, 6]);
  });

  it('sends nothing for a change no rule matches', async () => {
    t = await startTestApp({ worker: { rules: [{ name: 'inserts', match: { table: 'weddings', events: ['INSERT'] }, audiences: [{ type: 'endpoint', name: 'partner-crm' }] }] } });
    await t.untilReady();
    t.realtime.emitChange({ table: 'weddings', type: 'DELETE', oldRecord: { id: 9 } });
    t.realtime.emitChange({ table: 'weddings', type: 'INSERT', record: { id: 10 } });
    await waitFor(() => t!.receiver.requests.length === 1, { what: 'the insert' });
    expect(t.lines.find((l) => l.msg === 'no rule matched')).toMatchObject({ operation: 'DELETE' });
  });
});
