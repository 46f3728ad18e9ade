import { describe, expect, it } from '@jest/globals';
import { HourlyCapTracker } from '../../../src/decide/hourly-cap';
import { planDeliveries } from '../../../src/decide/plan';
import { changeOf, contextOf, endpointOf, noPreferences, person, weddingOf } from '../../support/context-factory';
import { planSettingsOf } from '../../support/plan-settings';

const settings = planSettingsOf();
const NOW = Date.parse('2026-11-25T15:00:00Z');
const summary = (plan: ReturnType<typeof planDeliveries>) =>
  plan.deliveries.map((d) => `${d.channel}→${d.recipient.kind}:${d.recipient.id}`).sort();

describe('planDeliveries', () => {
  const photographer = person('vendor', { id: 'v-photo', roles: ['photographer'] });
  const planner = person('vendor', { id: 'v-plan', roles: ['planner'] });
  const bride = person('client', { id: 'c-1' });
  const finance = person('staff', { id: 's-fin', roles: ['finance'] });
  const endpoint = endpointOf({ id: 'ep-1' });
  const context = contextOf({ people: [photographer, planner, bride, finance], webhookEndpoints: [endpoint] });

  it('sends a far wedding-date change (high) to every vendor and the couple by email and in-app, to Slack, and to the endpoint', () => {
    const event = changeOf('weddings', 'UPDATE', { id: 'wed-1', wedding_date: '2027-06-12' }, { id: 'wed-1', wedding_date: '2027-05-01' });
    const plan = planDeliveries(event, context, settings, NOW);
    expect(plan.decisions).toEqual([expect.objectContaining({ rule: 'wedding-date-changed', kind: 'wedding.date_changed', priority: expect.objectContaining({ level: 'high' }) })]);
    expect(summary(plan)).toEqual(
      [
        'email→vendor:v-photo', 'in_app→vendor:v-photo',
        'email→vendor:v-plan', 'in_app→vendor:v-plan',
        'email→client:c-1', 'in_app→client:c-1',
        'slack→organization:org-a',
        'webhook→endpoint:ep-1',
      ].sort(),
    );
    const body = JSON.parse(plan.deliveries.find((d) => d.channel === 'webhook')!.message.channel === 'webhook' ? (plan.deliveries.find((d) => d.channel === 'webhook')!.message as { body: string }).body : '{}');
    expect(body).toMatchObject({ type: 'wedding.date_changed', data: { kind: 'wedding.date_changed', priority: { level: 'high' }, organization_id: 'org-a', wedding_id: 'wed-1' } });
  });

  it('sends a form response only to the vendor who owns the form (normal: email)', () => {
    const plan = planDeliveries(changeOf('form_responses', 'INSERT', { id: 'f1', vendor_id: 'v-plan', form_name: 'Menu' }), contextOf({ people: [photographer, planner, bride] }), settings, NOW);
    expect(summary(plan)).toEqual(['email→vendor:v-plan']);
  });

  it('sends a reached milestone to the couple and the planner, and nothing for a pending one', () => {
    const done = planDeliveries(changeOf('journey_progress', 'UPDATE', { id: 'j1', status: 'completed', milestone: 'Menu tasting' }, { id: 'j1', status: 'pending' }), context, settings, NOW);
    expect(summary(done)).toEqual(['email→client:c-1', 'email→vendor:v-plan', 'webhook→endpoint:ep-1']);
    const pending = planDeliveries(changeOf('journey_progress', 'UPDATE', { id: 'j1', status: 'pending' }, { id: 'j1', status: 'completed' }), context, settings, NOW);
    expect(pending.deliveries).toHaveLength(0);
  });

  it('sends a failed payment (high) to the vendor and finance, a received one (normal) by email', () => {
    const failed = planDeliveries(changeOf('payments', 'UPDATE', { id: 'p1', vendor_id: 'v-photo', status: 'failed', amount_cents: 150000 }, { id: 'p1', status: 'pending' }), context, settings, NOW);
    expect(failed.decisions[0]?.priority.level).toBe('high');
    expect(summary(failed)).toEqual(['email→staff:s-fin', 'email→vendor:v-photo', 'in_app→staff:s-fin', 'in_app→vendor:v-photo', 'slack→organization:org-a', 'webhook→endpoint:ep-1']);
    const received = planDeliveries(changeOf('payments', 'UPDATE', { id: 'p1', vendor_id: 'v-photo', status: 'received' }, { id: 'p1', status: 'pending' }), context, settings, NOW);
    expect(summary(received)).toEqual(['email→staff:s-fin', 'email→vendor:v-photo', 'webhook→endpoint:ep-1']);
  });

  it('sends a timeline change to the vendors it names', () => {
    const plan = planDeliveries(changeOf('timeline_events', 'UPDATE', { id: 't1', title: 'First dance', vendor_ids: ['v-photo'] }, { id: 't1' }), contextOf({ people: [photographer, planner] }), settings, NOW);
    expect(summary(plan)).toEqual(['email→vendor:v-photo']);
  });

  it('sends a client profile update (low) to the assigned vendors in-app', () => {
    const plan = planDeliveries(changeOf('clients', 'UPDATE', { id: 'c-1', name: 'Ana', phone: '+1555' }, { id: 'c-1', name: 'Ana', phone: '+1444' }), context, settings, NOW);
    expect(summary(plan)).toEqual(['in_app→vendor:v-photo', 'in_app→vendor:v-plan']);
  });

  it('sends a wedding-day emergency to everyone on the wedding by SMS and Slack, with email as SMS failover', () => {
    const today = contextOf({ wedding: weddingOf({ date: '2026-11-25' }), people: [photographer, bride, person('staff', { id: 's-plan', roles: ['planner'] }), finance] });
    const plan = planDeliveries(changeOf('wedding_alerts', 'INSERT', { id: 'a1', severity: 'emergency', message: 'Venue flooded' }), today, settings, NOW);
    expect(plan.decisions[0]?.priority.level).toBe('critical');
    expect(summary(plan)).toEqual(['slack→organization:org-a', 'sms→client:c-1', 'sms→staff:s-plan', 'sms→vendor:v-photo']);
    const sms = plan.deliveries.find((d) => d.channel === 'sms')!;
    expect(sms.fallbacks.map((f) => f.message.channel)).toEqual(['email', 'in_app']);
    expect(sms.deadlineMs).toBe(NOW + 60_000);
  });

  it('raises a form response on the wedding day one level (high: email, Slack, in-app), never to SMS', () => {
    const today = contextOf({ wedding: weddingOf({ date: '2026-11-25' }), people: [photographer] });
    const plan = planDeliveries(changeOf('form_responses', 'INSERT', { id: 'f1', vendor_id: 'v-photo' }), today, settings, NOW);
    expect(plan.decisions[0]?.priority.level).toBe('high');
    expect(plan.decisions[0]?.priority.reasons).toContain('wedding is today (2026-11-25, UTC): raised to high (ceiling for form.response_received: high)');
    expect(summary(plan)).toEqual(['email→vendor:v-photo', 'in_app→vendor:v-photo', 'slack→organization:org-a']);
  });

  it('lets a high message on the wedding day through quiet hours and the hourly cap, and defers the same message a week before', () => {
    const sleepy = person('vendor', { id: 'v-sleep', preferences: { ...noPreferences('Europe/Berlin'), quietHours: { start: '22:00', end: '07:00' }, hourlyCap: 1 } });
    const late = Date.parse('2026-11-25T22:30:00Z'); // 23:30 in Berlin
    const caps = new HourlyCapTracker();
    caps.admit('vendor:v-sleep', late, 1); // the cap of 1 is already spent this hour
    const form = (id: string) => changeOf('form_responses', 'INSERT', { id, vendor_id: 'v-sleep' });
    const tomorrow = contextOf({ wedding: weddingOf({ date: '2026-11-26' }), people: [sleepy] });
    const first = planDeliveries(form('f1'), tomorrow, settings, late, caps);
    const second = planDeliveries(form('f2'), tomorrow, settings, late + 1, caps);
    expect(first.decisions[0]?.priority.level).toBe('high');
    expect([...first.deliveries, ...second.deliveries].every((d) => d.notBeforeMs === null)).toBe(true);
    expect(first.deliveries[0]?.notes).toContain('quiet hours bypassed: high on the wedding day');
    expect(first.deliveries[0]?.notes).toContain('hourly cap of 1 bypassed: high on the wedding day');
    expect(second.deliveries[0]?.notes).toContain('hourly cap of 1 bypassed: high on the wedding day');
    const nextWeek = planDeliveries(changeOf('payments', 'UPDATE', { id: 'p1', vendor_id: 'v-sleep', status: 'failed' }, { id: 'p1', status: 'pending' }), contextOf({ wedding: weddingOf({ date: '2026-12-02' }), people: [sleepy] }), settings, late);
    expect(nextWeek.decisions[0]?.priority.level).toBe('high');
    expect(nextWeek.deliveries.find((d) => d.recipient.id === 'v-sleep')?.notBeforeMs).toBe(Date.parse('2026-11-26T06:00:00Z'));
  });

  it('respects opt-outs, and falls back to in-app for someone who can be reached on nothing wanted', () => {
    const noEmail = person('vendor', { id: 'v-noemail', email: null, roles: ['planner'] });
    const optedOut = person('vendor', { id: 'v-out', preferences: { ...noPreferences(), optOutChannels: ['email'] } });
    const plan = planDeliveries(changeOf('journey_progress', 'INSERT', { id: 'j', status: 'completed' }), contextOf({ people: [noEmail, { ...optedOut, roles: ['planner'] }] }), settings, NOW);
    expect(summary(plan)).toEqual(['in_app→vendor:v-noemail', 'in_app→vendor:v-out']);
  });

  it('defers a normal message to the end of quiet hours and lets a critical one through, saying so', () => {
    const sleepy = person('vendor', { id: 'v-sleep', preferences: { ...noPreferences('Europe/Berlin'), quietHours: { start: '22:00', end: '07:00' } } });
    const late = Date.parse('2026-11-25T22:30:00Z'); // 23:30 in Berlin
    const normal = planDeliveries(changeOf('form_responses', 'INSERT', { id: 'f', vendor_id: 'v-sleep' }), contextOf({ people: [sleepy] }), settings, late);
    expect(normal.deliveries[0]?.notBeforeMs).toBe(Date.parse('2026-11-26T06:00:00Z'));
    expect(normal.deliveries[0]?.notes[0]).toContain('deferred by quiet hours');
    const emergency = planDeliveries(changeOf('wedding_alerts', 'INSERT', { id: 'a', severity: 'emergency', message: 'x' }), contextOf({ people: [sleepy] }), settings, late);
    expect(emergency.deliveries.find((d) => d.channel === 'sms')?.notBeforeMs).toBeNull();
    expect(emergency.deliveries.find((d) => d.channel === 'sms')?.notes).toContain('quiet hours bypassed: critical');
  });

  it('defers the 11th notification in an hour to one person, but not a critical one', () => {
    const busy = person('vendor', { id: 'v-busy' });
    const caps = new HourlyCapTracker();
    const ctx = contextOf({ people: [busy] });
    const plans = Array.from({ length: 11 }, (_, i) => planDeliveries(changeOf('form_responses', 'INSERT', { id: `f${i}`, vendor_id: 'v-busy' }), ctx, settings, NOW + i, caps));
    expect(plans.slice(0, 10).every((p) => p.deliveries[0]?.notBeforeMs === null)).toBe(true);
    expect(plans[10]?.deliveries[0]?.notBeforeMs).toBe(NOW + 3_600_000);
    expect(plans[10]?.deliveries[0]?.notes[0]).toContain('hourly cap of 10');
    const critical = planDeliveries(changeOf('wedding_alerts', 'INSERT', { id: 'a', severity: 'emergency', message: 'x' }), ctx, settings, NOW + 20, caps);
    expect(critical.deliveries.every((d) => d.notBeforeMs === null)).toBe(true);
    expect(critical.deliveries.find((d) => d.channel === 'sms')?.notes).toContain('hourly cap of 10 bypassed: critical');
  });

  it('plans nothing for a change no rule matches', () => {
    expect(planDeliveries(changeOf('vendors', 'UPDATE', { id: 'v' }, { id: 'v' }), context, settings, NOW).deliveries).toEqual([]);
  });

  it('never plans a channel this process has not configured; the next in the failover chain takes its place', () => {
    const noSms = planSettingsOf(undefined, ['webhook', 'email', 'in_app', 'slack']);
    const today = contextOf({ wedding: weddingOf({ date: '2026-11-25' }), people: [photographer] });
    const plan = planDeliveries(changeOf('wedding_alerts', 'INSERT', { id: 'a', severity: 'emergency', message: 'x' }), today, noSms, NOW);
    expect(summary(plan)).toEqual(['email→vendor:v-photo', 'slack→organization:org-a']);
    expect(plan.deliveries.find((d) => d.channel === 'email')?.fallbacks.map((f) => f.message.channel)).toEqual(['in_app']);
  });
});

describe('caught-up changes', () => {
  it('do not match changed-column rules when the old row is unknown (table-mode catch-up)', () => {
    const event = { ...changeOf('weddings', 'UPDATE', { id: 'wed-1', wedding_date: '2027-06-12' }, null), source: 'catch-up' as const };
    const plan = planDeliveries(event, contextOf({ people: [person('vendor', { id: 'v1' })] }), planSettingsOf(), Date.parse('2026-11-25T15:00:00Z'));
    expect(plan.decisions).toEqual([]);
    const live = planDeliveries({ ...event, source: undefined }, contextOf({ people: [person('vendor', { id: 'v1' })] }), planSettingsOf(), Date.parse('2026-11-25T15:00:00Z'));
    expect(live.decisions.map((d) => d.kind)).toEqual(['wedding.date_changed']);
  });
});

describe('organization chat', () => {
  it('goes to Teams when the organization has no Slack', () => {
    const onTeams = contextOf({
      organization: { id: 'org-a', name: 'Org A', timeZone: 'UTC', slackWebhookUrl: null, teamsWebhookUrl: 'https://example.logic.azure.com/workflows/x' },
      wedding: weddingOf({ date: '2026-11-25' }),
      people: [person('vendor', { id: 'v1' })],
    });
    const plan = planDeliveries(changeOf('wedding_alerts', 'INSERT', { id: 'a', severity: 'emergency', message: 'x' }), onTeams, planSettingsOf(), Date.parse('2026-11-25T15:00:00Z'));
    expect(plan.deliveries.filter((d) => d.recipient.kind === 'organization').map((d) => d.channel)).toEqual(['teams']);
  });
});
