import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createInAppChannel } from '../../../src/channels/in-app/in-app-channel';
import { classifyPgError } from '../../../src/channels/pg-classify';
import { PermanentDeliveryError, RetryableDeliveryError } from '../../../src/channels/errors';
import type { InAppMessage } from '../../../src/channels/messages';
import { hostileContent, LONG_NAME, sampleContent, SCRIPT } from '../../support/notification-content';
import { createTestSchema, type TestSchema } from '../../support/test-db';

interface Row {
  id: string;
  delivery_id: string;
  organization_id: string;
  recipient_kind: string;
  recipient_id: string;
  wedding_id: string | null;
  kind: string;
  title: string;
  body: string;
  priority: string;
  link: string | null;
  data: { eventId: string; facts: { label: string; value: string }[]; priority: { score: number; reasons: string[] }; wedding: { coupleName: string } | null };
}

describe('in-app channel (real PostgreSQL)', () => {
  let db: TestSchema;
  let channel: ReturnType<typeof createInAppChannel>;
  const context = (deliveryId: string) => ({ signal: new AbortController().signal, attempt: 1, deliveryId });
  const message = (content = sampleContent()): InAppMessage => ({
    channel: 'in_app',
    organizationId: '0f4a7a52-0000-4000-8000-000000000002',
    recipientKind: 'staff',
    recipientId: '5b1f0c1e-0000-4000-8000-000000000003',
    weddingId: '7d0c7d5e-0000-4000-8000-000000000001',
    content,
  });
  const rows = async (deliveryId: string) => (await db.pool.query<Row>('select * from notifications where delivery_id = $1', [deliveryId])).rows;

  beforeAll(async () => {
    db = await createTestSchema('inapp_unit');
    channel = createInAppChannel({ db: db.pool });
  });
  afterAll(() => db.drop());

  it('writes one row and returns its id', async () => {
    const receipt = await channel.send(message(), context('dlv_row'));
    const [row, ...others] = await rows('dlv_row');
    expect(others).toEqual([]);
    expect(receipt.providerMessageId).toBe(row!.id);
    expect(row).toMatchObject({
      organization_id: '0f4a7a52-0000-4000-8000-000000000002',
      recipient_kind: 'staff',
      recipient_id: '5b1f0c1e-0000-4000-8000-000000000003',
      wedding_id: '7d0c7d5e-0000-4000-8000-000000000001',
      kind: 'wedding.date_changed',
      title: 'Wedding date changed',
      body: 'The wedding of Ana & Ben moved from 2026-06-20 to 2026-06-27.',
      priority: 'high',
      link: 'https://app.wedsync.example/weddings/7d0c7d5e-0000-4000-8000-000000000001',
    });
    expect(row!.data).toMatchObject({ eventId: 'evt_0123456789abcdef', priority: { score: 65 }, wedding: { coupleName: 'Ana & Ben' } });
  });

  it('is idempotent: the same delivery id twice gives one row and the same id', async () => {
    const first = await channel.send(message(), context('dlv_twice'));
    const second = await channel.send(message(sampleContent({ title: 'changed on replay' })), context('dlv_twice'));
    expect(second.providerMessageId).toBe(first.providerMessageId);
    expect(await rows('dlv_twice')).toHaveLength(1);
  });

  it('gives every concurrent send of one delivery the same row', async () => {
    const receipts = await Promise.all(Array.from({ length: 6 }, () => channel.send(message(), context('dlv_race'))));
    expect(new Set(receipts.map((r) => r.providerMessageId)).size).toBe(1);
    expect(await rows('dlv_race')).toHaveLength(1);
  });

  it('stores hostile text exactly as typed (the app escapes on display), minus NUL, and no unsafe link', async () => {
    const injected = `'); drop table notifications; -- ${SCRIPT}`;
    const content = hostileContent({ title: injected, summary: `nul\u0000here ${LONG_NAME}` });
    await channel.send(message(content), context('dlv_hostile'));
    const [row] = await rows('dlv_hostile');
    expect(row!.title).toBe(injected);
    expect(row!.body).toBe(`nulhere ${LONG_NAME}`);
    expect(row!.link).toBeNull();
    expect(row!.data.facts[1]!.value).toBe(LONG_NAME);
  });

  it('stores no zero-width or bidi control, and keeps line breaks and emoji', async () => {
    const sly = '\u202EAna\u200B & \u2066Ben\u2069\uFEFF';
    const content = sampleContent({ title: `Moved \u200F${sly}`, summary: `line one\nline two 👩\u200D👩\u200D👧 ${sly}`, facts: [{ label: 'Couple', value: sly }] });
    await channel.send(message(content), context('dlv_invisible'));
    const [row] = await rows('dlv_invisible');
    expect(row!.title).toBe('Moved Ana & Ben');
    expect(row!.body).toBe('line one\nline two 👩\u200D👩\u200D👧 Ana & Ben');
    expect(row!.data.facts[0]!.value).toBe('Ana & Ben');
  });

  it('refuses a row the schema rejects as permanent (bad uuid, 22P02)', async () => {
    const error = await channel.send({ ...message(), recipientId: 'not-a-uuid' }, context('dlv_bad')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error).toMatchObject({ message: 'postgres 22P02' });
  });

  it('writes the rows of sends that arrive together in one statement, each with its own id', async () => {
    const statements: string[] = [];
    const counted = createInAppChannel({ db: { query: (text: string, values: unknown[]) => (statements.push(text), db.pool.query(text, values)) } as never });
    const ids = Array.from({ length: 8 }, (_, i) => `dlv_together_${i}`);

    const receipts = await Promise.all(ids.map((id, i) => counted.send(message(sampleContent({ title: `row ${i}` })), context(id))));

    // The first goes alone; the seven sent while it was in flight share the next insert.
    expect(statements).toHaveLength(2);
    for (const [i, id] of ids.entries()) {
      const [row, ...others] = await rows(id);
      expect(others).toEqual([]);
      expect(row).toMatchObject({ title: `row ${i}`, id: receipts[i]!.providerMessageId });
    }
  });

  it('fails only the send whose row is refused when it came with others', async () => {
    const sends = ['dlv_mixed_0', 'dlv_mixed_bad', 'dlv_mixed_2', 'dlv_mixed_3'].map((id) =>
      channel.send({ ...message(), ...(id.endsWith('bad') ? { recipientId: 'not-a-uuid' } : {}) }, context(id)).then(
        (receipt) => ({ id, receipt }),
        (error: unknown) => ({ id, error }),
      ),
    );
    const outcomes = await Promise.all(sends);
    expect(outcomes.filter((o) => 'error' in o)).toEqual([{ id: 'dlv_mixed_bad', error: expect.any(PermanentDeliveryError) }]);
    for (const id of ['dlv_mixed_0', 'dlv_mixed_2', 'dlv_mixed_3']) expect(await rows(id)).toHaveLength(1);
    expect(await rows('dlv_mixed_bad')).toEqual([]);
  });
});

describe('classifyPgError', () => {
  it.each([
    ['08006', true],
    ['08001', true],
    ['57P01', true],
    ['57P03', true],
    ['40001', true],
    ['40P01', true],
    ['53300', true],
    ['23505', false],
    ['23503', false],
    ['22P02', false],
    ['22001', false],
  ])('SQLSTATE %s → retryable %s', (code, retryable) => {
    const error = classifyPgError(Object.assign(new Error('db said no'), { code }));
    expect(error).toBeInstanceOf(retryable ? RetryableDeliveryError : PermanentDeliveryError);
    expect(error.message).toBe(`postgres ${code}`);
  });

  it('retries node connection errors and pg errors without a code', () => {
    expect(classifyPgError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).retryable).toBe(true);
    expect(classifyPgError(new Error('Connection terminated unexpectedly')).retryable).toBe(true);
  });
});
