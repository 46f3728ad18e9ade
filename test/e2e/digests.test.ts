import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DateTime } from 'luxon';
import type { Delivery } from '../../src/decide/delivery';
import { DigestingRunner } from '../../src/deliver/digest/digest-runner';
import { DigestStore } from '../../src/deliver/digest/digest-store';
import type { DeliveryRunner } from '../../src/deliver/dispatcher';
import { digestKey } from '../../src/deliver/digest/digest-delivery';
import { deliveryOf } from '../support/delivery-factory';
import { assignVendor, insertOrganization, insertPreferences, insertVendor, insertWedding } from '../support/fixtures';
import { sampleContent } from '../support/notification-content';
import { startStack, type Stack } from '../support/start-stack';
import { waitFor } from '../support/wait-for';

// Digests against real PostgreSQL and graphile-worker, with two replicas sharing the queue.

let s: Stack;
let second: Awaited<ReturnType<Stack['addReplica']>>;
let store: DigestStore;
beforeAll(async () => {
  s = await startStack();
  second = await s.addReplica();
  store = new DigestStore(s.db.pool, s.config.worker.queue.schema, 50);
});
afterAll(() => s?.close());

const emailsTo = (address: string) => s.resend.accepted.filter((m) => m.to.some((t) => t.includes(address)));
const digestsQueued = () => [...s.lines, ...second.lines].filter((l) => l.msg === 'digest queued');

/** A vendor on a wedding of `org`: people are read through their weddings. */
async function vendorIn(org: string, email: string): Promise<{ vendor: string; wedding: string }> {
  const wedding = await insertWedding(s.db.pool, { organizationId: org, weddingDate: '2027-06-12', timeZone: 'UTC' });
  const vendor = await insertVendor(s.db.pool, { organizationId: org, email });
  await assignVendor(s.db.pool, { organizationId: org, weddingId: wedding, vendorId: vendor });
  return { vendor, wedding };
}

/** A normal email the planner held for `vendor`'s digest at `atMs`. */
function heldEmail(org: string, { vendor, wedding }: { vendor: string; wedding: string }, n: number, atMs: number): Delivery {
  const content = sampleContent({ kind: 'form.response_received', title: `Form response ${n}`, summary: `Answer ${n}`, priority: { level: 'normal', score: 40, reasons: [] }, occurredAt: new Date(Date.now() + n).toISOString() });
  return deliveryOf(
    { channel: 'email', to: 'stripped@example.test', toName: 'Stripped', content },
    { id: `dlv_digest_e2e_${vendor}_${n}`, organizationId: org, weddingId: wedding, recipient: { kind: 'vendor', id: vendor }, priority: content.priority, notBeforeMs: atMs, digest: { atMs, heldBy: 'quiet_hours' } },
  );
}

describe('digests', () => {
  it('acceptance: 12 normal messages to one person inside their quiet hours become one digest at the end of the window, once across two replicas', async () => {
    const db = s.db.pool;
    const org = await insertOrganization(db, { slackWebhookUrl: null });
    const { vendor, wedding } = await vendorIn(org, 'night@digest.test');
    // Quiet hours (minute precision) that end at the next whole minute at least 10 s away.
    const now = DateTime.utc();
    const end = now.plus({ seconds: 10 }).startOf('minute').plus({ minutes: 1 });
    await insertPreferences(db, { organizationId: org, personKind: 'vendor', personId: vendor, quietHoursStart: end.minus({ hours: 2 }).toFormat('HH:mm'), quietHoursEnd: end.toFormat('HH:mm'), timeZone: 'UTC' });
    for (let i = 0; i < 12; i += 1) {
      s.realtime.emitChange({ table: 'form_responses', type: 'INSERT', record: { id: `fr-night-${i}`, organization_id: org, wedding_id: wedding, vendor_id: vendor, form_name: `Form ${i}` } });
    }
    const held = async () => (await db.query(`select 1 from digest_items where recipient = $1`, [`vendor:${vendor}`])).rows.length;
    // Both replicas decide every change; the twelve are held once each.
    await waitFor(async () => (await held()) === 12 && s.lines.filter((l) => l.msg === 'change decided').length >= 12 && second.lines.filter((l) => l.msg === 'change decided').length >= 12, { what: '12 held messages, decided by both replicas', timeoutMs: 30_000 });
    expect(emailsTo('night@digest.test')).toEqual([]);

    await waitFor(() => emailsTo('night@digest.test').length > 0, { what: 'the digest email at the end of the quiet hours', timeoutMs: 120_000 });
    const [email] = emailsTo('night@digest.test');
    expect(email!.subject).toMatch(/: 12 updates while you were away$/);
    expect(email!.text!.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(12);

    // Exactly once: one digest job ran, one ledger row, every held row carried by it, sent no earlier than the window's end.
    await waitFor(async () => (await db.query(`select 1 from "${s.config.worker.queue.schema}".jobs where task_identifier = 'digest'`)).rows.length === 0, { what: 'no digest job left' });
    await waitFor(async () => (await s.app.busy()) === 0 && (await second.app.busy()) === 0, { what: 'both replicas idle' });
    const { rows } = await db.query<{ id: string; status: string; early: boolean }>(
      `select id, status, created_at < $2::timestamptz as early from deliveries where recipient = $1`,
      [`vendor:${vendor}`, end.toISO()],
    );
    expect(rows).toEqual([{ id: expect.stringMatching(/^dlv_/), status: 'delivered', early: false }]);
    const carried = await db.query<{ digest_id: string | null }>(`select distinct digest_id from digest_items where recipient = $1`, [`vendor:${vendor}`]);
    expect(carried.rows).toEqual([{ digest_id: rows[0]!.id }]);
    expect(emailsTo('night@digest.test')).toHaveLength(1);
    expect(email!.idempotencyKey).toBe(rows[0]!.id);
    expect(digestsQueued().filter((l) => l.deliveryId === rows[0]!.id)).toHaveLength(1);
  }, 180_000);

  it('sends five held messages as one digest when their window ends', async () => {
    const org = await insertOrganization(s.db.pool, { slackWebhookUrl: null });
    const person = await vendorIn(org, 'five@digest.test');
    const vendor = person.vendor;
    const atMs = Date.now() + 1_500;
    expect(await store.hold([1, 2, 3, 4, 5].map((n) => heldEmail(org, person, n, atMs)))).toBe(5);
    await waitFor(() => emailsTo('five@digest.test').length > 0, { what: 'the digest', timeoutMs: 30_000 });
    const { rows } = await s.db.pool.query<{ early: boolean }>(`select created_at < $2::timestamptz as early from deliveries where recipient = $1`, [`vendor:${vendor}`, new Date(atMs).toISOString()]);
    expect(rows).toEqual([{ early: false }]);
    const [email] = emailsTo('five@digest.test');
    expect(email!.subject).toBe('Bloom Planning: 5 updates while you were away');
    for (const n of [1, 2, 3, 4, 5]) expect(email!.text).toContain(`- Form response ${n} (Ana & Ben`);
  });

  it('collects a window once when two collectors race, and puts an item held after the collection into the next digest', async () => {
    const org = await insertOrganization(s.db.pool, { slackWebhookUrl: null });
    const person = await vendorIn(org, 'race@digest.test');
    const vendor = person.vendor;
    // An hour away: the worker's own job stays out of the way while two collectors race by hand.
    const atMs = Date.now() + 3_600_000;
    await store.hold([1, 2, 3].map((n) => heldEmail(org, person, n, atMs)));
    const key = digestKey({ kind: 'vendor', id: vendor }, 'email', atMs);
    const other = new DigestStore(s.db.pool, s.config.worker.queue.schema, 50);
    const results = await Promise.all([store.collect(key), other.collect(key)]);
    expect(results.filter((r) => r !== null)).toEqual([{ digestId: expect.stringMatching(/^dlv_/), items: 3 }]);
    const first = results.find((r) => r !== null)!;
    await waitFor(() => emailsTo('race@digest.test').length === 1, { what: 'the first digest' });

    // Held after the collection, for the same window: the next digest carries it, under another id.
    await store.hold([heldEmail(org, person, 4, atMs)]);
    const next = await store.collect(key);
    expect(next).toEqual({ digestId: expect.stringMatching(/^dlv_/), items: 1 });
    expect(next!.digestId).not.toBe(first.digestId);
    await waitFor(() => emailsTo('race@digest.test').length === 2, { what: 'the next digest' });
    const [, later] = emailsTo('race@digest.test');
    expect(later!.subject).toBe('Bloom Planning: 1 update while you were away');
    expect(later!.text).toContain('Form response 4');
    expect(later!.text).not.toContain('Form response 1');
    const byDigest = await s.db.pool.query<{ digest_id: string; n: number }>(`select digest_id, count(*)::int as n from digest_items where recipient = $1 group by digest_id order by n desc`, [`vendor:${vendor}`]);
    expect(byDigest.rows).toEqual([{ digest_id: first.digestId, n: 3 }, { digest_id: next!.digestId, n: 1 }]);
    // A duplicate of a change already digested is held no more.
    expect(await store.hold([heldEmail(org, person, 2, atMs)])).toBe(0);
  });

  it('sends an item held after its window was collected at once, as the next digest of that window', async () => {
    const org = await insertOrganization(s.db.pool, { slackWebhookUrl: null });
    const person = await vendorIn(org, 'late@digest.test');
    const atMs = Date.now() + 500;
    await store.hold([heldEmail(org, person, 1, atMs), heldEmail(org, person, 2, atMs)]);
    await waitFor(() => emailsTo('late@digest.test').length === 1, { what: 'the first digest', timeoutMs: 30_000 });
    // Decided just before the window ended, persisted just after the worker collected it.
    await store.hold([heldEmail(org, person, 3, atMs)]);
    await waitFor(() => emailsTo('late@digest.test').length === 2, { what: 'the next digest', timeoutMs: 30_000 });
    expect(emailsTo('late@digest.test').map((m) => m.subject)).toEqual(['Bloom Planning: 2 updates while you were away', 'Bloom Planning: 1 update while you were away']);
  });

  it('writes the holds of changes decided together in two statements for ten changes, not one each', async () => {
    const org = await insertOrganization(s.db.pool, { slackWebhookUrl: null });
    const person = await vendorIn(org, 'wave@digest.test');
    const atMs = Date.now() + 3_600_000;
    const statements: string[] = [];
    const counting = { query: (text: string, values?: unknown[]) => (statements.push(text), s.db.pool.query(text, values)) };
    const queued: Delivery[] = [];
    const inner = { submit: async (d: readonly Delivery[]) => void queued.push(...d), pending: () => 0, drain: async () => ({ undelivered: [] }), forceAbort: () => undefined } as unknown as DeliveryRunner;
    const runner = new DigestingRunner(inner, store, counting as unknown as typeof s.db.pool);

    await Promise.all(Array.from({ length: 10 }, (_, n) => runner.submit([heldEmail(org, person, 100 + n, atMs)])));

    // The first alone, the nine that arrived meanwhile together.
    expect(statements).toHaveLength(2);
    expect(queued).toEqual([]);
    expect((await s.db.pool.query(`select 1 from digest_items where recipient = $1`, [`vendor:${person.vendor}`])).rows).toHaveLength(10);
  });
});
