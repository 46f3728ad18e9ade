import { describe, expect, it } from '@jest/globals';
import type { Organization } from '../../../src/context/event-context';
import { planDeliveries, type PlanSettings } from '../../../src/decide/plan';
import { toStored } from '../../../src/deliver/stored-delivery';
import { changeOf, contextOf, person, weddingOf } from '../../support/context-factory';
import { planSettingsOf } from '../../support/plan-settings';

const NOW = Date.parse('2026-11-25T15:00:00Z');
const withApps: PlanSettings = { ...planSettingsOf(), slackApps: true };
const org = (extra: Partial<Organization>): Organization => ({ id: 'org-a', name: 'Org A', timeZone: 'UTC', slackWebhookUrl: null, teamsWebhookUrl: null, ...extra });
const staff = person('staff', { id: 's-own', roles: ['owner'] });
/** About a wedding: the emergency rule (sms and slack). */
const alert = () => changeOf('wedding_alerts', 'INSERT', { id: 'a1', severity: 'emergency', message: 'Officiant stuck' });
/** About no wedding: a failed payment, told to finance and the organization's chat. */
const payment = () => changeOf('payments', 'UPDATE', { id: 'p1', status: 'failed', amount_cents: 1000 }, { id: 'p1', status: 'pending' });
const finance = person('staff', { id: 's-fin', roles: ['finance'] });
const slackOf = (plan: ReturnType<typeof planDeliveries>) => plan.deliveries.filter((d) => d.channel === 'slack');

describe('planning Slack for an organization with the app and no incoming webhook', () => {
  it('plans the wedding message when the app has wedding channels, with no address in it', () => {
    const context = contextOf({ organization: org({ slackApp: { weddingChannels: true, defaultChannel: null } }), people: [staff] });
    const [slack, ...more] = slackOf(planDeliveries(alert(), context, withApps, NOW));
    expect(more).toEqual([]);
    expect(slack).toMatchObject({ recipient: { kind: 'organization', id: 'org-a' }, message: { channel: 'slack', content: { wedding: { id: 'wed-1' } } } });
    expect(slack!.message).not.toHaveProperty('webhookUrl');
    // Stored as any chat delivery: the address is read again at send time.
    expect(toStored(slack!).message).toEqual(slack!.message);
  });

  it('plans a message about no wedding only when the app has a default channel', () => {
    const withDefault = contextOf({ organization: org({ slackApp: { weddingChannels: true, defaultChannel: 'C0123ABCD' } }), wedding: null, people: [finance] });
    const withoutDefault = contextOf({ organization: org({ slackApp: { weddingChannels: true, defaultChannel: null } }), wedding: null, people: [finance] });
    expect(slackOf(planDeliveries(payment(), withDefault, withApps, NOW)).map((d) => d.message)).toEqual([expect.objectContaining({ channel: 'slack', content: expect.objectContaining({ wedding: null }) })]);
    expect(slackOf(planDeliveries(payment(), withoutDefault, withApps, NOW))).toEqual([]);
  });

  it('plans nothing for the app when this worker cannot open connections, nor for an organization with neither', () => {
    const context = contextOf({ organization: org({ slackApp: { weddingChannels: true, defaultChannel: 'C0123ABCD' } }), people: [staff] });
    expect(slackOf(planDeliveries(alert(), context, { ...withApps, slackApps: false }, NOW))).toEqual([]);
    expect(slackOf(planDeliveries(alert(), contextOf({ organization: org({}), people: [staff] }), withApps, NOW))).toEqual([]);
  });

  it('a webhook, when pasted, is what the message carries, app or not', () => {
    const hook = 'https://hooks.slack.com/services/T/B/x';
    const context = contextOf({ organization: org({ slackWebhookUrl: hook, slackApp: { weddingChannels: true, defaultChannel: 'C0123ABCD' } }), wedding: weddingOf(), people: [staff] });
    expect(slackOf(planDeliveries(alert(), context, withApps, NOW)).map((d) => d.message)).toEqual([expect.objectContaining({ webhookUrl: hook })]);
  });
});
