import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PartnerMessage } from '../../src/channels/messages';
import { createPgContextRepository } from '../../src/context/pg-context-repository';
import { HourlyCapTracker } from '../../src/decide/hourly-cap';
import type { Delivery } from '../../src/decide/delivery';
import { createMemoryEventDeadLetters } from '../../src/deliver/dead-letters';
import { createEventHandler } from '../../src/event-handler';
import { createLogger } from '../../src/lib/logger';
import { subscriberHash } from '../../src/partners/mailchimp/mapping';
import { DEMO_ORG_A } from '../support/demo-ids';
import { exampleWorkerConfig, planSettingsOf } from '../support/plan-settings';
import { startPartnerStand, STAND_ORG, STAND_WEDDING, type PartnerStand, type StandConnection } from '../support/partner-stand';

const [AVERY, JORDAN] = DEMO_ORG_A.clients.today;
let stand: PartnerStand;
let mailchimp: StandConnection;
let handle: (deliveries: readonly Delivery[]) => void;
let handler: ReturnType<typeof createEventHandler>;
let submitted: Delivery[] = [];
let sequence = 0;
const JOURNEY = { journeyId: 4101, stepId: 17 };

beforeAll(async () => {
  stand = await startPartnerStand('mc_accept');
  mailchimp = await stand.connect('mailchimp', { changes: ['milestone'], milestones: { contract_signed: { tag: 'Contract signed', journey: JOURNEY }, final_walkthrough: { tag: 'Walkthrough done' } } });
  stand.fakes.mailchimp.addJourney(JOURNEY.journeyId, JOURNEY.stepId, mailchimp.summary.options.audienceId!);
  // Jordan never agreed to marketing: only Avery may reach Mailchimp.
  await stand.db.pool.query('delete from marketing_consents where client_id = $1', [JORDAN]);
  const worker = exampleWorkerConfig();
  handle = (d) => void submitted.push(...d);
  handler = createEventHandler({
    subscriptions: worker.subscriptions,
    contexts: createPgContextRepository({ pool: stand.db.pool, cache: { maxEntries: 10, ttlMs: 60_000 } }),
    settings: planSettingsOf(worker),
    caps: new HourlyCapTracker(),
    deadEvents: createMemoryEventDeadLetters(),
    submit: async (deliveries) => handle(deliveries),
    logger: createLogger({ level: 'silent' }),
    partners: { connectionsFor: (org) => stand.store.enabledFor(org), limitFor: (p) => stand.adapters.get(p)?.rateLimit ?? null },
  });
});
afterAll(() => stand.close());

/** A milestone completed in our app, handed to the worker as intake would. */
async function reach(milestone: string): Promise<Delivery[]> {
  const { rows } = await stand.db.pool.query<{ id: string }>(
    `insert into journey_progress (organization_id, wedding_id, milestone, status, completed_at) values ($1, $2, $3, 'completed', now())
     on conflict (wedding_id, milestone) do update set status = 'completed', completed_at = now() returning id`,
    [STAND_ORG, STAND_WEDDING, milestone],
  );
  submitted = [];
  sequence += 1;
  await handler({
    id: `evt_mc_${sequence}`,
    schema: 'public',
    table: 'journey_progress',
    operation: 'UPDATE',
    commitTimestamp: new Date().toISOString(),
    record: { id: rows[0]!.id, organization_id: STAND_ORG, wedding_id: STAND_WEDDING, milestone, status: 'completed' },
    oldRecord: { id: rows[0]!.id, organization_id: STAND_ORG, wedding_id: STAND_WEDDING, milestone, status: 'pending' },
    primaryKey: { id: rows[0]!.id },
    subscription: 'journey-progress',
  });
  return submitted.filter((d) => d.channel === 'partner');
}

const send = (d: Delivery) => stand.channel.send(d.message as PartnerMessage, { signal: new AbortController().signal, attempt: 1, deliveryId: d.id });
const emailOf = async (clientId: string) => (await stand.db.pool.query<{ email: string }>('select email from clients where id = $1', [clientId])).rows[0]!.email;
const syncs = async (clientId: string) =>
  (await stand.db.pool.query<{ action: string; reason: string | null; consent_source: string | null; sent: Record<string, unknown> }>('select action, reason, consent_source, sent from marketing_syncs where client_id = $1 order by id', [clientId])).rows;

describe('a journey milestone reaches Mailchimp for consenting couples only (issue 14, acceptance 1)', () => {
  it('puts the consenting person in the audience with the tag and starts the journey step; the other is never sent', async () => {
    const deliveries = await reach('contract_signed');
    expect(deliveries).toHaveLength(1);
    const receipt = await send(deliveries[0]!);
    const audience = mailchimp.summary.options.audienceId!;
    const avery = stand.fakes.mailchimp.member(audience, await emailOf(AVERY))!;
    expect(avery).toMatchObject({ status: 'subscribed', mergeFields: { FNAME: 'Avery', LNAME: 'Quinn' } });
    expect([...avery.tags].sort()).toEqual(['Contract signed', 'Walkthrough done']);
    expect(stand.fakes.mailchimp.journeys.get(`${JOURNEY.journeyId}/${JOURNEY.stepId}`)!.triggered).toEqual([await emailOf(AVERY)]);
    // Jordan: no request names them, no member exists.
    const jordan = await emailOf(JORDAN);
    expect(stand.fakes.mailchimp.member(audience, jordan)).toBeUndefined();
    expect(stand.fakes.mailchimp.requests.some((r) => r.body.includes(jordan) || r.path.includes(subscriberHash(jordan)))).toBe(false);
    // The ledger of the delivery and the marketing record say why.
    expect(receipt.providerMessageId).toBe('mailchimp: synced 1; skipped no_consent=1');
    expect(await syncs(JORDAN)).toEqual([expect.objectContaining({ action: 'skipped', reason: 'no_consent', consent_source: null })]);
    expect((await syncs(AVERY)).map((s) => s.action)).toEqual(['upserted', 'tagged', 'journey_triggered']);
    expect((await syncs(AVERY))[0]).toMatchObject({ consent_source: 'booking form', sent: { statusIfNew: 'subscribed' } });
    expect(JSON.stringify(await syncs(AVERY))).not.toContain(await emailOf(AVERY));
  });

  it('a retry or replay starts the journey step once, and never changes the member\'s status', async () => {
    const [delivery] = await reach('contract_signed');
    const audience = mailchimp.summary.options.audienceId!;
    await send(delivery!);
    await send(delivery!);
    expect(stand.fakes.mailchimp.journeys.get(`${JOURNEY.journeyId}/${JOURNEY.stepId}`)!.triggered).toHaveLength(1);
    // Waiting for their double opt-in in Mailchimp: the sync leaves them pending.
    stand.fakes.mailchimp.member(audience, await emailOf(AVERY))!.status = 'pending';
    await send(delivery!);
    expect(stand.fakes.mailchimp.member(audience, await emailOf(AVERY))!.status).toBe('pending');
    expect(stand.fakes.mailchimp.requests.filter((r) => r.method === 'PUT').every((r) => !('status' in (JSON.parse(r.body) as object)))).toBe(true);
    expect(stand.fakes.mailchimp.rejected).toEqual([]);
  });

  it('an unsubscribe in Mailchimp or a withdrawn consent here stops every further sync of that person', async () => {
    const audience = mailchimp.summary.options.audienceId!;
    stand.fakes.mailchimp.member(audience, await emailOf(AVERY))!.status = 'unsubscribed';
    const [first] = await reach('contract_signed');
    expect((await send(first!)).providerMessageId).toBe('mailchimp: synced 0; skipped unsubscribed=1,no_consent=1');
    const before = stand.fakes.mailchimp.requests.length;
    const [second] = await reach('final_walkthrough');
    expect((await send(second!)).providerMessageId).toBe('mailchimp: synced 0; skipped unsubscribed=1,no_consent=1');
    expect(stand.fakes.mailchimp.requests.length).toBe(before);

    await stand.db.pool.query('delete from marketing_suppressions where client_id = $1', [AVERY]);
    await stand.db.pool.query('update marketing_consents set withdrawn_at = now() where client_id = $1', [AVERY]);
    const [third] = await reach('contract_signed');
    expect((await send(third!)).providerMessageId).toBe('mailchimp: synced 0; skipped consent_withdrawn=1,no_consent=1');
    expect(stand.fakes.mailchimp.requests.length).toBe(before);
  });

  it('"Forgotten Email Not Subscribed" and a fake address are refused for that person only, not the connection', async () => {
    await stand.db.pool.query('update marketing_consents set withdrawn_at = null where client_id = $1', [AVERY]);
    await stand.db.pool.query(`insert into marketing_consents (organization_id, client_id, granted_at, source) values ($1, $2, now(), 'questionnaire')`, [STAND_ORG, JORDAN]);
    const other = await stand.connect('mailchimp', { changes: ['milestone'] });
    stand.fakes.mailchimp.forget(await emailOf(AVERY));
    stand.fakes.mailchimp.refuseAddress(await emailOf(JORDAN));
    const message = other.message('milestone');
    const receipt = await stand.channel.send(message, { signal: new AbortController().signal, attempt: 1, deliveryId: 'dlv_mc_refused' });
    expect(receipt.providerMessageId).toBe('mailchimp: synced 0; skipped forgotten=1,invalid_address=1');
    expect((await stand.store.list(STAND_ORG)).find((c) => c.id === other.summary.id)).toMatchObject({ enabled: true, health: { state: 'ok' } });
    const { rows } = await stand.db.pool.query('select client_id, reason from marketing_suppressions where connection_id = $1 order by reason', [other.summary.id]);
    expect(rows).toEqual([{ client_id: AVERY, reason: 'forgotten' }, { client_id: JORDAN, reason: 'invalid_address' }]);
  });
});
