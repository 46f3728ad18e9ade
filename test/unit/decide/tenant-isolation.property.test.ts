import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Person, TenantWebhookEndpoint } from '../../../src/context/event-context';
import { planDeliveries } from '../../../src/decide/plan';
import { changeOf, contextOf, endpointOf, noPreferences, weddingOf } from '../../support/context-factory';
import { planSettingsOf } from '../../support/plan-settings';

const settings = planSettingsOf();
const ORGS = ['org-a', 'org-b'] as const;

const personArb = fc.record({
  kind: fc.constantFrom<Person['kind']>('vendor', 'client', 'staff'),
  id: fc.constantFrom('p1', 'p2', 'p3', 'p4', 'p5', 'p6'),
  organizationId: fc.constantFrom(...ORGS),
  roles: fc.subarray(['photographer', 'planner', 'finance', 'owner', 'couple', 'venue']),
  email: fc.option(fc.constant('x@example.com'), { nil: null }),
  phone: fc.option(fc.constant('+15555550100'), { nil: null }),
});

const changeArb = fc.oneof(
  fc.record({ table: fc.constant('weddings'), op: fc.constant('UPDATE' as const), record: fc.record({ id: fc.constant('wed-1'), wedding_date: fc.constantFrom('2026-11-26', '2027-01-01') }) }),
  fc.record({ table: fc.constant('form_responses'), op: fc.constant('INSERT' as const), record: fc.record({ id: fc.constant('f'), vendor_id: fc.constantFrom('p1', 'p2', 'p3') }) }),
  fc.record({ table: fc.constant('payments'), op: fc.constant('INSERT' as const), record: fc.record({ id: fc.constant('pay'), vendor_id: fc.constantFrom('p1', 'p4'), status: fc.constantFrom('received', 'failed') }) }),
  fc.record({ table: fc.constant('timeline_events'), op: fc.constant('INSERT' as const), record: fc.record({ id: fc.constant('t'), vendor_ids: fc.subarray(['p1', 'p2', 'p5']) }) }),
  fc.record({ table: fc.constant('wedding_alerts'), op: fc.constant('INSERT' as const), record: fc.record({ id: fc.constant('a'), severity: fc.constant('emergency'), message: fc.string() }) }),
  fc.record({ table: fc.constant('journey_progress'), op: fc.constant('INSERT' as const), record: fc.record({ id: fc.constant('j'), status: fc.constant('completed') }) }),
);

describe('tenant isolation (property)', () => {
  it('plans deliveries only to people, endpoints and chat of the event organization, whatever the context holds', () => {
    // Without these the property would hold for a planner that plans nothing at all.
    let runsWithDeliveries = 0;
    let runsWithOtherTenantOffered = 0;
    fc.assert(
      fc.property(
        fc.array(personArb, { maxLength: 8 }),
        fc.array(fc.record({ organizationId: fc.constantFrom(...ORGS), eventTypes: fc.constantFrom(['*'], ['payment.failed']) }), { maxLength: 3 }),
        changeArb,
        fc.constantFrom('2026-11-25', '2027-03-01'),
        (rawPeople, rawEndpoints, change, weddingDate) => {
          // A context that a buggy resolver might return: org A's, polluted with org B's rows.
          const people: Person[] = rawPeople.map((p) => ({ ...p, name: p.id, preferences: noPreferences() }));
          const endpoints: TenantWebhookEndpoint[] = rawEndpoints.map((e, i) => endpointOf({ ...e, id: `ep${i}` }));
          const context = contextOf({ wedding: weddingOf({ date: weddingDate }), people, webhookEndpoints: endpoints });
          const plan = planDeliveries(changeOf(change.table, change.op, change.record), context, settings, Date.parse('2026-11-25T12:00:00Z'));
          const allowedPeople = new Set(people.filter((p) => p.organizationId === 'org-a').map((p) => `${p.kind}:${p.id}`));
          const allowedEndpoints = new Set(endpoints.filter((e) => e.organizationId === 'org-a').map((e) => e.id));
          if (plan.deliveries.length > 0) runsWithDeliveries += 1;
          const offered = people.some((p) => p.organizationId === 'org-b') || endpoints.some((e) => e.organizationId === 'org-b');
          if (plan.deliveries.length > 0 && offered) runsWithOtherTenantOffered += 1;
          for (const d of plan.deliveries) {
            expect(d.organizationId).toBe('org-a');
            const key = `${d.recipient.kind}:${d.recipient.id}`;
            if (d.recipient.kind === 'endpoint') expect(allowedEndpoints.has(d.recipient.id)).toBe(true);
            else if (d.recipient.kind === 'organization') expect(d.recipient.id).toBe('org-a');
            else expect(allowedPeople.has(key)).toBe(true);
            if (d.message.channel === 'in_app') expect(d.message.organizationId).toBe('org-a');
          }
        },
      ),
      { numRuns: 600 },
    );
    expect(runsWithDeliveries).toBeGreaterThan(600 / 4);
    expect(runsWithOtherTenantOffered).toBeGreaterThan(600 / 10);
  });
});
