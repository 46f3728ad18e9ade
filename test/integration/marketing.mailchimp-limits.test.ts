import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RetryableDeliveryError } from '../../src/channels/errors';
import type { PartnerMessage } from '../../src/channels/messages';
import { Pool } from 'pg';
import type { Channel } from '../../src/channels/channel';
import { ConnectionStore } from '../../src/connections/connection-store';
import { RateLimiterRegistry } from '../../src/deliver/rate-limiter';
import { createPartnerChannel } from '../../src/partners/partner-channel';
import { startPartnerStand, type PartnerStand, type StandConnection } from '../support/partner-stand';
import { deferred, waitFor } from '../support/wait-for';

let stand: PartnerStand;
let mailchimp: StandConnection;
let weddings: string[];
// A pool with room for 30 sends at once: the stand's 4 connections would cap them first.
let pool: Pool;
let channel: Channel<PartnerMessage>;
const context = (deliveryId: string) => ({ signal: new AbortController().signal, attempt: 1, deliveryId });

beforeAll(async () => {
  stand = await startPartnerStand('mc_limits');
  mailchimp = await stand.connect('mailchimp', { changes: ['milestone'] });
  weddings = await stand.addWeddings(30, 'limit');
  pool = new Pool({ connectionString: stand.db.databaseUrl, max: 32 });
  channel = createPartnerChannel({ pool, store: new ConnectionStore(pool, stand.cipher), adapters: stand.adapters });
});
afterAll(async () => {
  await pool.end();
  await stand.close();
});

/** 30 sends, each for its own wedding, whose Mailchimp answers are all held until `gate` opens. */
function burst(tag: string, gate: Promise<void>, through: (send: () => Promise<unknown>) => Promise<unknown>) {
  stand.fakes.mailchimp.forgetScript().replyNext(...Array.from({ length: 30 }, () => ({ after: gate })));
  return weddings.map((weddingId, i) => through(() => channel.send({ ...mailchimp.message('milestone'), weddingId } as PartnerMessage, context(`dlv_${tag}_${i}`))));
}

describe('Mailchimp: 10 simultaneous connections per account, 429 with no headers', () => {
  it('without the limit the fake refuses the 11th connection with a bare 429, retryable with no delay of its own', async () => {
    const gate = deferred();
    const sends = burst('unlimited', gate.promise, (send) => send());
    await waitFor(() => stand.fakes.mailchimp.rejected.some((r) => r.problems.includes('more than 10 simultaneous connections')), { what: 'a refused 11th connection' });
    gate.resolve();
    const outcomes = await Promise.allSettled(sends);
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as RetryableDeliveryError] : []));
    expect(refused.length).toBeGreaterThan(0);
    for (const error of refused) expect(error).toMatchObject({ retryable: true, status: 429, retryAfterMs: undefined });
  });

  it('through the adapter\'s limit, at most 10 requests are ever open at once and none is refused', async () => {
    const fake = stand.fakes.mailchimp;
    const refusedBefore = fake.rejected.length;
    fake.mostInFlight = 0;
    const limiter = new RateLimiterRegistry().get(`partner:endpoint:${mailchimp.summary.id}`, stand.adapters.get('mailchimp')!.rateLimit);
    const gate = deferred();
    const before = fake.requests.length;
    const sends = burst('limited', gate.promise, (send) => limiter.schedule('normal', send));
    await waitFor(() => fake.requests.length - before === 10, { what: '10 held requests at the fake' });
    gate.resolve();
    const receipts = await Promise.all(sends);
    expect(receipts).toHaveLength(30);
    expect(fake.rejected.length).toBe(refusedBefore);
    expect(fake.mostInFlight).toBe(10);
    expect([...fake.members.values()].filter((m) => m.email.startsWith('limit+'))).toHaveLength(30);
  });
});
