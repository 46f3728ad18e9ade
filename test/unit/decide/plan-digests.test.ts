import { describe, expect, it } from '@jest/globals';
import { HourlyCapTracker } from '../../../src/decide/hourly-cap';
import { planDeliveries } from '../../../src/decide/plan';
import { changeOf, contextOf, noPreferences, person, weddingOf } from '../../support/context-factory';
import { planSettingsOf } from '../../support/plan-settings';

const settings = { ...planSettingsOf(), digests: true };
const late = Date.parse('2026-11-25T22:30:00Z'); // 23:30 in Berlin
const morning = Date.parse('2026-11-26T06:00:00Z'); // 07:00 in Berlin
const sleepy = person('vendor', { id: 'v-sleep', preferences: { ...noPreferences('Europe/Berlin'), quietHours: { start: '22:00', end: '07:00' } } });
const form = (id: string) => changeOf('form_responses', 'INSERT', { id, vendor_id: 'v-sleep' });

describe('digests in the planner', () => {
  it('holds every normal message of one quiet night for the same digest at the end of the quiet hours, and books no cap slot for them', () => {
    const caps = new HourlyCapTracker();
    const plans = Array.from({ length: 12 }, (_, i) => planDeliveries(form(`f${i}`), contextOf({ people: [sleepy] }), settings, late + i * 60_000, caps));
    const held = plans.map((p) => p.deliveries[0]!);
    expect(held.map((d) => d.digest)).toEqual(Array.from({ length: 12 }, () => ({ atMs: morning, heldBy: 'quiet_hours' })));
    expect(held.every((d) => d.notBeforeMs === morning)).toBe(true);
    expect(held[0]!.notes).toEqual([`held for the digest at ${new Date(morning).toISOString()}: quiet hours`]);
    // A twelve-message night did not spend the morning's cap: the next message at 07:00 goes at once.
    expect(caps.wouldExceed('vendor:v-sleep', morning, 10)).toBe(false);
  });

  it('never digests critical or high: an emergency goes now, a high message outside the wedding window waits on its own', () => {
    const emergency = planDeliveries(changeOf('wedding_alerts', 'INSERT', { id: 'a', severity: 'emergency', message: 'x' }), contextOf({ people: [sleepy] }), settings, late);
    expect(emergency.deliveries.every((d) => d.digest === undefined && d.notBeforeMs === null)).toBe(true);
    const nextWeek = contextOf({ wedding: weddingOf({ date: '2026-12-02' }), people: [sleepy] });
    const failed = planDeliveries(changeOf('payments', 'UPDATE', { id: 'p1', vendor_id: 'v-sleep', status: 'failed' }, { id: 'p1', status: 'pending' }), nextWeek, settings, late);
    const toSleepy = failed.deliveries.filter((d) => d.recipient.id === 'v-sleep');
    expect(failed.decisions[0]?.priority.level).toBe('high');
    expect(toSleepy.length).toBeGreaterThan(0);
    expect(toSleepy.every((d) => d.digest === undefined && d.notBeforeMs === morning)).toBe(true);
  });

  it('over the hourly cap: the first messages go at once, the rest share one digest at the slot the cap frees', () => {
    const busy = person('vendor', { id: 'v-busy', preferences: { ...noPreferences(), hourlyCap: 3 } });
    const caps = new HourlyCapTracker();
    const NOW = Date.parse('2026-11-25T15:00:00Z');
    const plans = Array.from({ length: 8 }, (_, i) => planDeliveries(changeOf('form_responses', 'INSERT', { id: `f${i}`, vendor_id: 'v-busy' }), contextOf({ people: [busy] }), settings, NOW + i * 1_000, caps));
    const first = plans.map((p) => p.deliveries[0]!);
    expect(first.slice(0, 3).every((d) => d.digest === undefined && d.notBeforeMs === null)).toBe(true);
    const slot = NOW + 3_600_000;
    expect(first.slice(3).map((d) => d.digest)).toEqual(Array.from({ length: 5 }, () => ({ atMs: slot, heldBy: 'hourly_cap' })));
    expect(first[3]!.notes).toEqual([`held for the digest at ${new Date(slot).toISOString()}: hourly cap of 3`]);
  });

  it('lifts digests for a wedding in its day mode: over the cap, its messages wait one by one', () => {
    const busy = person('vendor', { id: 'v-busy', preferences: { ...noPreferences(), hourlyCap: 1 } });
    const caps = new HourlyCapTracker();
    const NOW = Date.parse('2026-11-25T15:00:00Z');
    const today = contextOf({ wedding: weddingOf({ date: '2026-11-25' }), people: [busy] });
    const plans = [0, 1].map((i) => planDeliveries(changeOf('clients', 'UPDATE', { id: 'c-1', name: `Ana ${i}` }, { id: 'c-1', name: 'Ana' }), today, settings, NOW + i, caps));
    const second = plans[1]!.deliveries.find((d) => d.recipient.id === 'v-busy')!;
    expect(second.digest).toBeUndefined();
    expect(second.notBeforeMs).toBe(NOW + 3_600_000);
  });

  it('without the durable queue (digests off) defers each message as before', () => {
    const plan = planDeliveries(form('f'), contextOf({ people: [sleepy] }), { ...settings, digests: false }, late);
    expect(plan.deliveries[0]?.digest).toBeUndefined();
    expect(plan.deliveries[0]?.notes[0]).toContain('deferred by quiet hours');
  });
});
