import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PartnerMessage } from '../../src/channels/messages';
import { createPgContextRepository } from '../../src/context/pg-context-repository';
import { HourlyCapTracker } from '../../src/decide/hourly-cap';
import type { Delivery } from '../../src/decide/delivery';
import { createMemoryEventDeadLetters } from '../../src/deliver/dead-letters';
import { createEventHandler } from '../../src/event-handler';
import type { ChangeEvent } from '../../src/intake/change-event';
import { createLogger } from '../../src/lib/logger';
import { exampleWorkerConfig, planSettingsOf } from '../support/plan-settings';
import { startPartnerStand, STAND_ORG, STAND_WEDDING, type PartnerStand, type StandConnection } from '../support/partner-stand';

let stand: PartnerStand;
let connections: Record<'vsco' | 'lightBlue' | 'zapier' | 'tripleseat', StandConnection>;
let submitted: Delivery[] = [];
let handle: (event: ChangeEvent) => Promise<void>;
let sequence = 0;

const rule = { name: 'crm-date', match: { table: 'weddings', events: ['UPDATE'], changedColumns: ['wedding_date'] }, kind: 'wedding.date_changed', audiences: [{ type: 'partner_connections', change: 'date' }] };

beforeAll(async () => {
  stand = await startPartnerStand('accept');
  connections = {
    vsco: await stand.connect('vsco-workspace', { createOnFirstSync: true, changes: ['date'] }),
    lightBlue: await stand.connect('light-blue', { changes: ['date'] }),
    zapier: await stand.connect('honeybook-zapier', { changes: ['date', 'venue'] }),
    tripleseat: await stand.connect('tripleseat', { changes: ['date'] }),
  };
  // Subscribed to guest counts only: a date change must not reach it.
  await stand.connect('venue-webhook', { changes: ['guest_count'] });
  const worker = exampleWorkerConfig({ rules: [rule] });
  handle = createEventHandler({
    subscriptions: worker.subscriptions,
    contexts: createPgContextRepository({ pool: stand.db.pool, cache: { maxEntries: 10, ttlMs: 60_000 } }),
    settings: planSettingsOf(worker),
    caps: new HourlyCapTracker(),
    deadEvents: createMemoryEventDeadLetters(),
    submit: async (deliveries) => void submitted.push(...deliveries),
    logger: createLogger({ level: 'silent' }),
    partners: { connectionsFor: (org) => stand.store.enabledFor(org), limitFor: () => ({ max: 10, perMs: 1000, maxConcurrent: 2 }) },
  });
});
afterAll(() => stand.close());

/** Moves the wedding's date in the database and hands the worker the change, as intake would. */
async function changeDate(date: string): Promise<Delivery[]> {
  const { rows } = await stand.db.pool.query<{ before: string }>(
    `with old as (select to_char(wedding_date, 'YYYY-MM-DD') as before from weddings where id = $1)
     update weddings set wedding_date = $2 where id = $1 returning (select before from old)`,
    [STAND_WEDDING, date],
  );
  submitted = [];
  sequence += 1;
  await handle({
    id: `evt_accept_${sequence}`,
    schema: 'public',
    table: 'weddings',
    operation: 'UPDATE',
    commitTimestamp: new Date().toISOString(),
    record: { id: STAND_WEDDING, organization_id: STAND_ORG, wedding_date: date },
    oldRecord: { id: STAND_WEDDING, organization_id: STAND_ORG, wedding_date: rows[0]!.before },
    primaryKey: { id: STAND_WEDDING },
    subscription: 'weddings',
  });
  return submitted;
}

const send = (delivery: Delivery) =>
  stand.channel.send(delivery.message as PartnerMessage, { signal: new AbortController().signal, attempt: 1, deliveryId: delivery.id });

function partnerState() {
  const { vsco, lightBlue, zapier, tripleseat } = stand.fakes;
  const job = [...vsco.jobs.values()][0];
  const ts = [...tripleseat.events.values()].find((e) => 'event_date' in e);
  return {
    vscoJobs: vsco.jobs.size,
    vscoDate: job?.fields.eventDate,
    lightBlueItems: lightBlue.inbox.size,
    lightBlueLastDate: [...lightBlue.inbox.values()].at(-1)?.fields.ShootDate,
    zapierPosts: zapier.accepted.length,
    zapierLastDate: zapier.accepted.at(-1)?.body.wedding_date,
    tripleseatDate: ts?.event_date,
  };
}

describe('a wedding date change reaches every subscribed partner (issue 13, acceptance 1 and 3)', () => {
  it('plans one delivery per subscribed connection, ids from the event and the connection', async () => {
    const deliveries = await changeDate('2031-06-14');
    expect(deliveries.map((d) => (d.message as PartnerMessage).connectionId).sort()).toEqual(Object.values(connections).map((c) => c.summary.id).sort());
    expect(new Set(deliveries.map((d) => d.id)).size).toBe(4);
    for (const d of deliveries) expect(JSON.stringify(d)).not.toMatch(/apiKey|clientSecret|signingSecret|whsec_/);
    for (const d of deliveries) await send(d);
    expect(partnerState()).toEqual({
      vscoJobs: 1,
      vscoDate: '2031-06-14',
      lightBlueItems: 1,
      lightBlueLastDate: '2031-06-14',
      zapierPosts: 1,
      zapierLastDate: '2031-06-14',
      tripleseatDate: '2031-06-14',
    });
    // The couple's contact is attached to the job we made, as its client.
    const { vsco } = stand.fakes;
    expect(vsco.creates('contact')).toBe(1);
    const [job] = [...vsco.jobs.values()];
    const [contact] = [...vsco.contacts.values()];
    expect([...vsco.jobContacts.values()].map((r) => r.fields)).toEqual([{ jobId: job!.id, contactId: contact!.id, client: true }]);
  });

  it('a first sync cut short before its link was written finishes without a second job, contact or attachment', async () => {
    const { vsco } = stand.fakes;
    const before = { jobs: vsco.creates('job'), contacts: vsco.creates('contact'), attached: vsco.creates('job-contact') };
    // As if the worker died after attaching the contact but before remembering the job.
    await stand.db.pool.query(`delete from partner_links where connection_id = $1`, [connections.vsco.summary.id]);
    const deliveries = await changeDate('2031-06-15');
    for (const d of deliveries.filter((d) => (d.message as PartnerMessage).connectionId === connections.vsco.summary.id)) await send(d);
    expect({ jobs: vsco.creates('job'), contacts: vsco.creates('contact'), attached: vsco.creates('job-contact') }).toEqual(before);
    expect(partnerState().vscoDate).toBe('2031-06-15');
  });

  it('a retry after a 5xx or a 429 creates nothing twice', async () => {
    const deliveries = await changeDate('2031-06-21');
    const { vsco, lightBlue, zapier, tripleseat } = stand.fakes;
    vsco.replyNext({ status: 503, body: {} });
    lightBlue.replyNext({ status: 429, headers: { 'retry-after': '1' }, body: 'slow down' });
    zapier.replyNext({ status: 502, body: {} });
    tripleseat.replyNext({ status: 429, body: { error: 'throttled' } });
    for (const d of deliveries) await expect(send(d)).rejects.toMatchObject({ retryable: true });
    for (const d of deliveries) await send(d); // the retry
    for (const d of deliveries) await send(d); // and a duplicate run of it (a replayed job)
    expect(partnerState()).toMatchObject({ vscoJobs: 1, vscoDate: '2031-06-21', lightBlueItems: 2, lightBlueLastDate: '2031-06-21', zapierLastDate: '2031-06-21', tripleseatDate: '2031-06-21' });
    expect(vsco.creates('job')).toBe(1);
    // The Zap sees the retry under the same webhook-id: its dedupe key.
    const ids = zapier.accepted.slice(1).map((p) => p.webhookId);
    expect(new Set(ids).size).toBe(1);
  });

  it('two quick changes: the partner ends with the newer state, even when the older is sent last', async () => {
    const older = await changeDate('2031-07-01');
    const newer = await changeDate('2031-07-08');
    for (const d of newer) await send(d);
    for (const d of older) await send(d);
    expect(partnerState()).toMatchObject({ vscoDate: '2031-07-08', lightBlueLastDate: '2031-07-08', zapierLastDate: '2031-07-08', tripleseatDate: '2031-07-08' });
    expect(stand.fakes.vsco.creates('job')).toBe(1);
  });
});
