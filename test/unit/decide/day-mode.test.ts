import { describe, expect, it } from '@jest/globals';
import { weddingDayModeSchema } from '../../../src/config/policy.schema';
import { dayModeWindow, inDayMode } from '../../../src/decide/day-mode';
import { planDeliveries } from '../../../src/decide/plan';
import { changeOf, contextOf, noPreferences, person, weddingOf } from '../../support/context-factory';
import { exampleWorkerConfig, planSettingsOf } from '../../support/plan-settings';

const mode = weddingDayModeSchema.parse({});
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('a wedding’s day mode, in its own zone', () => {
  it.each([
    // DST ends in New York the night of the wedding: the morning after is EST (-5).
    ['America/New_York', '2026-11-01', '2026-10-31T22:00:00.000Z', '2026-11-02T09:00:00.000Z'],
    // DST starts in London on the wedding day: the evening before is GMT, the morning after BST.
    ['Europe/London', '2026-03-29', '2026-03-28T18:00:00.000Z', '2026-03-30T03:00:00.000Z'],
    ['Pacific/Auckland', '2026-11-26', '2026-11-25T05:00:00.000Z', '2026-11-26T15:00:00.000Z'],
  ])('in %s for a wedding on %s runs from 18:00 the evening before to 04:00 the morning after', (zone, date, from, until) => {
    const window = dayModeWindow(weddingOf({ date, timeZone: zone }), mode);
    expect([iso(window?.startMs), iso(window?.endMs)]).toEqual([from, until]);
  });

  it('is off when disabled, and for a change about no wedding', () => {
    const off = weddingDayModeSchema.parse({ enabled: false });
    expect(inDayMode(weddingOf({ date: '2026-11-01' }), Date.parse('2026-11-01T12:00:00Z'), off)).toBe(false);
    expect(inDayMode(null, Date.parse('2026-11-01T12:00:00Z'), mode)).toBe(false);
  });

  it('refuses a time that is not HH:MM', () => {
    expect(weddingDayModeSchema.safeParse({ from: '6pm' }).success).toBe(false);
  });
});

describe('planning in day mode', () => {
  // 23:30 in Berlin, inside the vendor's quiet hours (22:00–07:00).
  const late = Date.parse('2026-11-25T22:30:00Z');
  const sleepy = person('vendor', { id: 'v-sleep', preferences: { ...noPreferences('Europe/Berlin'), quietHours: { start: '22:00', end: '07:00' } } });
  const profileTweak = changeOf('clients', 'UPDATE', { id: 'c-1', name: 'Ana' }, { id: 'c-1', name: 'Anna' });
  const tomorrow = contextOf({ wedding: weddingOf({ id: 'wed-day', date: '2026-11-26', timeZone: 'Europe/Berlin' }), people: [sleepy] });
  const nextMonth = contextOf({ wedding: weddingOf({ id: 'wed-far', date: '2026-12-26', timeZone: 'Europe/Berlin' }), people: [sleepy] });

  it('sends a normal message about a wedding in day mode at once, through its people’s quiet hours, and says so', () => {
    const plan = planDeliveries(profileTweak, tomorrow, planSettingsOf(), late);
    expect(plan.decisions[0]?.priority.level).toBe('normal');
    expect(plan.deliveries.map((d) => [d.channel, d.notBeforeMs])).toEqual([['email', null]]);
    expect(plan.deliveries[0]?.notes).toContain('quiet hours lifted: wedding-day mode');
  });

  it('still defers, the same night, a message about another wedding, and the same message with day mode off', () => {
    const far = planDeliveries(profileTweak, nextMonth, planSettingsOf(), late);
    expect(far.deliveries.map((d) => d.notBeforeMs)).toEqual([Date.parse('2026-11-26T06:00:00Z')]);
    const off = planSettingsOf(exampleWorkerConfig({ preferences: { weddingDayMode: { enabled: false } } }));
    const without = planDeliveries(profileTweak, tomorrow, off, late);
    expect(without.deliveries.map((d) => d.notBeforeMs)).toEqual([Date.parse('2026-11-26T06:00:00Z')]);
  });
});
