import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ContextResult, EventContext, Person } from '../../../src/context/event-context';
import { createPgContextRepository } from '../../../src/context/pg-context-repository';
import { seedDemo } from '../../../src/db/seed';
import { DEMO_ORG_A, DEMO_ORG_B } from '../../support/demo-ids';
import { insertClient, insertOrganization, insertPreferences, insertStaff, insertWebhookEndpoint, insertWedding } from '../../support/fixtures';
import { createTestSchema, type TestSchema } from '../../support/test-db';

let db: TestSchema;
beforeAll(async () => {
  db = await createTestSchema('ctx');
  await seedDemo(db.pool);
});
afterAll(() => db.drop());

const fresh = () => createPgContextRepository({ pool: db.pool, cache: { maxEntries: 100, ttlMs: 60_000 } });

function contextOf(result: ContextResult): EventContext {
  if (!result.ok) throw new Error(`expected a context, got ${result.reason}: ${result.detail}`);
  return result.context;
}

const person = (context: EventContext, id: string): Person | undefined => context.people.find((p) => p.id === id);

const noPreferences = (timeZone: string) => ({ optOutChannels: [], quietHours: null, timeZone, hourlyCap: null });

describe('resolve', () => {
  it("returns the organization, the wedding, exactly its vendors with their roles, the couple and the organization's staff", async () => {
    const context = contextOf(await fresh().resolve({ organizationId: DEMO_ORG_A.id, weddingId: DEMO_ORG_A.weddings.today }));
    expect(context.organization).toEqual({
      id: DEMO_ORG_A.id,
      name: 'Harbor Lights Weddings',
      timeZone: 'America/New_York',
      slackWebhookUrl: 'http://127.0.0.1:9/slack/a',
      teamsWebhookUrl: 'http://127.0.0.1:9/teams/a',
    });
    expect(context.wedding).toMatchObject({ id: DEMO_ORG_A.weddings.today, organizationId: DEMO_ORG_A.id, coupleName: 'Avery Quinn & Jordan Blake' });
    expect(context.wedding?.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const summary = context.people.map((p) => [p.kind, p.id, p.roles]);
    const { vendors, clients, staff } = DEMO_ORG_A;
    expect(summary).toEqual([
      ['vendor', vendors.planner, ['planner']],
      ['vendor', vendors.photographer, ['photographer']],
      ['vendor', vendors.florist, ['florist']],
      ['vendor', vendors.venue, ['caterer', 'venue']],
      ['client', clients.today[0], ['couple']],
      ['client', clients.today[1], ['couple']],
      ['staff', staff.finance, ['finance']],
      ['staff', staff.planner, ['planner']],
    ]);
    expect(person(context, vendors.venue)).toMatchObject({ name: 'Rosewood Manor', email: 'rosewood@example.com', phone: '+14155550112' });
  });

  it("returns each person's preferences, and defaults in the wedding's zone for people without a row", async () => {
    const context = contextOf(await fresh().resolve({ organizationId: DEMO_ORG_A.id, weddingId: DEMO_ORG_A.weddings.today }));
    expect(person(context, DEMO_ORG_A.vendors.photographer)?.preferences).toEqual({
      optOutChannels: [],
      quietHours: { start: '22:00', end: '07:00' },
      timeZone: 'America/New_York',
      hourlyCap: null,
    });
    expect(person(context, DEMO_ORG_A.clients.today[0])?.preferences.optOutChannels).toEqual(['sms']);
    expect(person(context, DEMO_ORG_A.staff.finance)?.preferences.hourlyCap).toBe(10);
    expect(person(context, DEMO_ORG_A.vendors.florist)?.preferences).toEqual(noPreferences('America/New_York'));
  });

  it("returns the organization's webhook endpoints with their secrets split", async () => {
    const context = contextOf(await fresh().resolve({ organizationId: DEMO_ORG_A.id, weddingId: null }));
    expect(context.webhookEndpoints).toEqual([
      {
        id: DEMO_ORG_A.webhookEndpoint,
        organizationId: DEMO_ORG_A.id,
        name: 'partner-crm',
        url: 'http://127.0.0.1:9/hooks',
        secrets: [expect.stringMatching(/^whsec_/)],
        eventTypes: ['*'],
        enabled: true,
        rateLimitPerMinute: 100,
      },
    ]);
  });

  it('without a wedding, returns the staff only, in the organization zone', async () => {
    const context = contextOf(await fresh().resolve({ organizationId: DEMO_ORG_B.id, weddingId: null }));
    expect(context.wedding).toBeNull();
    expect(context.people.map((p) => p.id).sort()).toEqual([DEMO_ORG_B.staff.planner, DEMO_ORG_B.staff.finance].sort());
  });

  it("falls back from the person's zone to the wedding's, the organization's, then the default", async () => {
    const organizationId = await insertOrganization(db.pool, { timeZone: 'Not/A_Zone' });
    const weddingId = await insertWedding(db.pool, { organizationId, timeZone: 'Pacific/Auckland' });
    const withRow = await insertClient(db.pool, { organizationId, weddingId });
    const withZone = await insertClient(db.pool, { organizationId, weddingId });
    const staff = await insertStaff(db.pool, { organizationId });
    await insertPreferences(db.pool, { organizationId, personKind: 'client', personId: withRow, optOutChannels: ['email'] });
    await insertPreferences(db.pool, { organizationId, personKind: 'client', personId: withZone, timeZone: 'Europe/Paris' });
    await insertWebhookEndpoint(db.pool, { organizationId, secret: ' whsec_bmV3 \n whsec_b2xk ' });
    const repository = createPgContextRepository({ pool: db.pool, cache: { maxEntries: 10, ttlMs: 60_000 }, defaultTimeZone: 'Asia/Tokyo' });

    const wedding = contextOf(await repository.resolve({ organizationId, weddingId }));
    expect(wedding.organization.timeZone).toBe('Asia/Tokyo');
    expect(person(wedding, withRow)?.preferences).toEqual({ ...noPreferences('Pacific/Auckland'), optOutChannels: ['email'] });
    expect(person(wedding, withZone)?.preferences.timeZone).toBe('Europe/Paris');
    expect(person(wedding, staff)?.preferences).toEqual(noPreferences('Pacific/Auckland'));
    expect(wedding.webhookEndpoints[0]?.secrets).toEqual(['whsec_bmV3', 'whsec_b2xk']);

    const whole = contextOf(await repository.resolve({ organizationId, weddingId: null }));
    expect(person(whole, staff)?.preferences.timeZone).toBe('Asia/Tokyo');
  });
});

describe('misses', () => {
  it('name the organization that does not exist', async () => {
    const organizationId = randomUUID();
    expect(await fresh().resolve({ organizationId, weddingId: null })).toEqual({
      ok: false,
      reason: 'organization_not_found',
      detail: `organization ${organizationId} not found`,
    });
  });

  it('name the wedding that does not exist', async () => {
    const weddingId = randomUUID();
    expect(await fresh().resolve({ organizationId: DEMO_ORG_A.id, weddingId })).toMatchObject({
      ok: false,
      reason: 'wedding_not_found',
      detail: expect.stringContaining(weddingId),
    });
  });

  it("tell another organization's wedding apart, without naming its owner or its couple", async () => {
    const result = await fresh().resolve({ organizationId: DEMO_ORG_A.id, weddingId: DEMO_ORG_B.weddings.today });
    expect(result).toMatchObject({ ok: false, reason: 'wedding_in_other_organization' });
    const detail = result.ok ? '' : result.detail;
    expect(detail).toContain(DEMO_ORG_B.weddings.today);
    expect(detail).toContain(DEMO_ORG_A.id);
    expect(detail).not.toContain(DEMO_ORG_B.id);
    expect(detail).not.toMatch(/Avery|Jordan/);
  });

  it('treat an id that is not a UUID as not found instead of failing the query', async () => {
    const repository = fresh();
    expect(await repository.resolve({ organizationId: "x' or 1=1 --", weddingId: null })).toMatchObject({ reason: 'organization_not_found' });
    expect(await repository.resolve({ organizationId: DEMO_ORG_A.id, weddingId: 'nope' })).toMatchObject({ reason: 'wedding_not_found' });
  });

  it('accept upper-case UUIDs as the same ids', async () => {
    const context = contextOf(await fresh().resolve({ organizationId: DEMO_ORG_A.id.toUpperCase(), weddingId: DEMO_ORG_A.weddings.today.toUpperCase() }));
    expect(context.wedding?.id).toBe(DEMO_ORG_A.weddings.today);
  });
});
