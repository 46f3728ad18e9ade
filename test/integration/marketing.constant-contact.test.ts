import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Pool } from 'pg';
import { ParkedDeliveryError } from '../../src/channels/errors-parked';
import type { PartnerMessage } from '../../src/channels/messages';
import { ConnectionStore } from '../../src/connections/connection-store';
import { describeFailure } from '../../src/deliver/attempt';
import { withRetry } from '../../src/deliver/retry';
import { createPartnerChannel } from '../../src/partners/partner-channel';
import { startPartnerStand, type PartnerStand } from '../support/partner-stand';
import { deferred, waitFor } from '../support/wait-for';

let stand: PartnerStand;
let nowMs = Date.UTC(2027, 5, 11, 12, 0);
const context = (deliveryId: string) => ({ signal: new AbortController().signal, attempt: 1, deliveryId });

beforeAll(async () => {
  stand = await startPartnerStand('cc_accept', { now: () => nowMs });
});
afterAll(() => stand.close());

const weddings = (count: number, tag: string) => stand.addWeddings(count, tag);

/** A second worker process: its own pool, store and adapters (its own in-process token sharing), the same database. */
function replica() {
  const pool = new Pool({ connectionString: stand.db.databaseUrl, max: 4 });
  const store = new ConnectionStore(pool, stand.cipher);
  return { pool, channel: createPartnerChannel({ pool, store, adapters: stand.replicaAdapters() }) };
}

describe('two replicas, an expired access token and a rotating refresh token (issue 14, acceptance 2)', () => {
  it('200 deliveries at once: exactly one refresh reaches Constant Contact, no invalid_grant, every delivery succeeds', async () => {
    const cc = await stand.connect('constant-contact', { changes: ['milestone'] });
    const ids = await weddings(200, 'burst');
    const [a, b] = [replica(), replica()];
    const fake = stand.fakes.constantContact;
    const issued = (await stand.store.open(cc.summary.id))!.credentials.refreshToken;
    // The refresh is held at the fake until the other replica is seen waiting for the row lock.
    const release = deferred();
    fake.replyNext({ after: release.promise });
    const sends = ids.map((weddingId, i) => (i % 2 ? b : a).channel.send({ ...cc.message('milestone'), weddingId } as PartnerMessage, context(`dlv_burst_${i}`)));
    await waitFor(() => fake.refreshRequests.length === 1, { what: 'the refresh request at the fake' });
    await waitFor(
      async () => (await stand.db.pool.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%for update%'`)).rows[0]!.n > 0,
      { what: 'a second replica waiting for the connection row lock' },
    );
    release.resolve();
    const receipts = await Promise.all(sends);
    expect(receipts.every((r) => r.providerMessageId === 'constant-contact: synced 1')).toBe(true);
    expect(fake.refreshRequests).toHaveLength(1);
    expect(fake.invalidGrants).toEqual([]);
    expect([...fake.contacts.values()].filter((c) => c.email.startsWith('burst+'))).toHaveLength(200);
    // The rotated refresh token is the one stored (sealed), not the used one.
    const stored = (await stand.store.open(cc.summary.id))!.credentials;
    expect(fake.refreshRequests).toEqual([issued]);
    expect(stored.refreshToken).toMatch(/^[0-9a-f]{32}$/);
    expect(stored.refreshToken).not.toBe(issued);
    await Promise.all([a.pool.end(), b.pool.end()]);
  }, 60_000);

  it('Tripleseat tokens too: two replicas fetch one token between them, not one each (issue 13)', async () => {
    const ts = await stand.connect('tripleseat');
    const [a, b] = [replica(), replica()];
    const before = stand.fakes.tripleseat.tokenRequests.length;
    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? b : a).channel.send(ts.message(), context(`dlv_ts_${i}`))));
    expect(stand.fakes.tripleseat.tokenRequests.length - before).toBe(1);
    await Promise.all([a.pool.end(), b.pool.end()]);
  });
});

describe('the daily quota spent at 23:50 UTC (issue 14, acceptance 3)', () => {
  it('parks the remaining deliveries until 00:00 UTC without retrying them into the ground; after midnight they all go', async () => {
    nowMs = Date.UTC(2027, 5, 11, 23, 50);
    const cc = await stand.connect('constant-contact', { changes: ['milestone'] });
    const ids = await weddings(8, 'quota');
    const fake = stand.fakes.constantContact;
    const clientId = (await stand.store.open(cc.summary.id))!.credentials.clientId!;
    // Two deliveries go out (a look-up and a sign-up each), then the day's quota is gone.
    const channel = stand.channel;
    const send = (i: number) =>
      withRetry(() => channel.send({ ...cc.message('milestone'), weddingId: ids[i]! } as PartnerMessage, context(`dlv_quota_${i}`)), { attempts: 3, minDelayMs: 1, maxDelayMs: 5, factor: 2, maxRetryAfterMs: 10 }, { signal: new AbortController().signal });
    await send(0);
    await send(1);
    fake.spendQuota(clientId);
    const before = fake.requests.length;
    const parked: ParkedDeliveryError[] = [];
    for (let i = 2; i < ids.length; i += 1) {
      parked.push(
        await send(i).then(
          () => {
            throw new Error('expected a parked delivery');
          },
          (e: ParkedDeliveryError) => e,
        ),
      );
    }
    const midnight = Date.UTC(2027, 5, 12, 0, 0);
    for (const error of parked) {
      expect(error).toBeInstanceOf(ParkedDeliveryError);
      expect(describeFailure(error, new AbortController().signal)).toMatchObject({ kind: 'parked', resumeAtMs: midnight, status: 429 });
      expect(error.retryAfterMs).toBe(10 * 60_000);
    }
    // One answer told this replica; the other five parked without asking again.
    expect(fake.requests.length - before).toBe(1);

    nowMs = midnight + 1_000;
    for (let i = 2; i < ids.length; i += 1) await expect(send(i)).resolves.toMatchObject({ providerMessageId: 'constant-contact: synced 1' });
    expect([...fake.contacts.values()].filter((c) => c.email.startsWith('quota+'))).toHaveLength(8);
  });
});
