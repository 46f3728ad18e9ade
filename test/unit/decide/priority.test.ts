import { describe, expect, it } from '@jest/globals';
import { prioritySchema } from '../../../src/config/policy.schema';
import { ruleSchema } from '../../../src/config/rules.schema';
import type { Wedding } from '../../../src/context/event-context';
import { assessPriority, levelRank, priorityCeiling } from '../../../src/decide/priority';
import { notificationKinds, type NotificationKind } from '../../../src/vocabulary';
import type { ChangeEvent } from '../../../src/intake/change-event';

const policy = prioritySchema.parse({});
const at = (iso: string) => Date.parse(iso);

function wedding(date: string, timeZone: string): Wedding {
  return { id: 'w1', organizationId: 'o1', coupleName: 'Ana & Bo', date, timeZone, venueName: null, status: 'planned' };
}

function event(oldRecord: Record<string, unknown> | null = null): ChangeEvent {
  return {
    id: 'evt_1',
    schema: 'public',
    table: 'weddings',
    operation: 'UPDATE',
    commitTimestamp: '2026-11-25T00:00:00.000Z',
    record: { id: 'w1' },
    oldRecord,
    primaryKey: { id: 'w1' },
    subscription: 'weddings',
  };
}

function assess(kind: NotificationKind, w: Wedding | null, now: string, old: Record<string, unknown> | null = null) {
  return assessPriority({ kind, event: event(old), wedding: w, policy, nowMs: at(now) });
}

describe('assessPriority', () => {
  it.each([
    ['form.response_received', 'normal'],
    ['journey.milestone_reached', 'normal'],
    ['payment.received', 'normal'],
    ['payment.failed', 'high'],
    ['client.profile_updated', 'low'],
    ['wedding.date_changed', 'high'],
    ['wedding.emergency', 'critical'],
  ] as const)('gives %s the level %s for a wedding months away', (kind, level) => {
    const result = assess(kind, wedding('2027-06-12', 'Europe/London'), '2026-11-25T12:00:00Z');
    expect(result.level).toBe(level);
    expect(result.reasons[0]).toContain(level);
  });

  describe('a wedding in Pacific/Auckland, seen from a UTC clock', () => {
    const auckland = wedding('2026-11-26', 'Pacific/Auckland'); // starts 2026-11-25T11:00Z (NZDT, +13)

    it('is "today" once it is the 26th in Auckland, although UTC still says the 25th: raised one level', () => {
      const result = assess('form.response_received', auckland, '2026-11-25T11:30:00Z');
      expect(result.level).toBe('high');
      expect(result.reasons).toContain('wedding is today (2026-11-26, Pacific/Auckland): raised to high (ceiling for form.response_received: high)');
    });

    it('is within 24 hours 23.5 h before local midnight, and not 25 h before', () => {
      expect(assess('form.response_received', auckland, '2026-11-24T11:30:00Z').level).toBe('high');
      expect(assess('form.response_received', auckland, '2026-11-24T10:00:00Z').level).toBe('normal');
    });

    it('is over once the Auckland day has ended', () => {
      expect(assess('payment.received', auckland, '2026-11-26T11:00:00Z').level).toBe('normal');
    });
  });

  describe('daylight-saving edges', () => {
    it('keeps a New York wedding "today" through the 25-hour day when clocks fall back (2026-11-01)', () => {
      const ny = wedding('2026-11-01', 'America/New_York'); // 04:00Z to 2026-11-02T05:00Z
      expect(assess('payment.failed', ny, '2026-11-02T04:30:00Z').level).toBe('critical');
      expect(assess('payment.failed', ny, '2026-11-02T05:00:00Z').level).toBe('high');
    });

    it('ends a London wedding day after 23 hours when clocks spring forward (2026-03-29)', () => {
      const london = wedding('2026-03-29', 'Europe/London'); // 00:00Z to 23:00Z
      expect(assess('client.profile_updated', london, '2026-03-29T22:59:00Z').level).toBe('normal');
      expect(assess('client.profile_updated', london, '2026-03-29T23:00:00Z').level).toBe('low');
    });

    it('counts 24 hours across the night the clocks change (DST ends the night before the wedding)', () => {
      const ny = wedding('2026-11-02', 'America/New_York'); // starts 2026-11-02T05:00Z (EST)
      // 2026-11-01T06:00Z is 01:00 EST, 23 h before; naive local-clock arithmetic would say 24 h.
      expect(assess('form.response_received', ny, '2026-11-01T06:00:00Z').level).toBe('high');
      expect(assess('form.response_received', ny, '2026-11-01T04:30:00Z').level).toBe('normal');
    });
  });

  describe('inside the wedding window, a change is raised one level up to its ceiling', () => {
    // Each zone's wedding day, with a DST night: Sydney springs forward on 2026-10-04, New York
    // falls back on 2026-11-01, London springs forward on 2026-03-29; Auckland and UTC plain days.
    const days = [
      { zone: 'Australia/Sydney', date: '2026-10-04', onTheDay: '2026-10-04T01:00:00Z', dayBefore: '2026-10-03T02:00:00Z' },
      { zone: 'America/New_York', date: '2026-11-01', onTheDay: '2026-11-01T06:30:00Z', dayBefore: '2026-10-31T12:00:00Z' },
      { zone: 'Europe/London', date: '2026-03-29', onTheDay: '2026-03-29T01:30:00Z', dayBefore: '2026-03-28T10:00:00Z' },
      { zone: 'Pacific/Auckland', date: '2026-11-26', onTheDay: '2026-11-25T20:00:00Z', dayBefore: '2026-11-25T00:00:00Z' },
      { zone: 'UTC', date: '2026-12-05', onTheDay: '2026-12-05T23:59:00Z', dayBefore: '2026-12-04T00:00:00Z' },
    ];
    const table: [NotificationKind, 'onTheDay' | 'dayBefore', string][] = [
      ['change.generic', 'onTheDay', 'normal'],
      ['client.profile_updated', 'onTheDay', 'normal'],
      ['client.profile_updated', 'dayBefore', 'normal'],
      ['form.response_received', 'onTheDay', 'high'],
      ['payment.received', 'dayBefore', 'high'],
      ['timeline.updated', 'onTheDay', 'high'],
      ['payment.failed', 'onTheDay', 'critical'],
      ['wedding.emergency', 'onTheDay', 'critical'],
      ['wedding.emergency', 'dayBefore', 'critical'],
    ];
    describe.each(days)('in $zone (wedding on $date)', ({ zone, date, onTheDay, dayBefore }) => {
      it.each(table)('%s %s is %s', (kind, when, level) => {
        expect(assess(kind, wedding(date, zone), when === 'onTheDay' ? onTheDay : dayBefore).level).toBe(level);
      });

      it('a generic change on the day is at most high, even when its rule asks for critical', () => {
        const ruled = assessPriority({ kind: 'change.generic', event: event(), wedding: wedding(date, zone), ruleLevel: 'critical', policy, nowMs: at(onTheDay) });
        expect(ruled.level).toBe('high');
      });
    });

    it('a profile tweak the day before stays below critical even when the window raises three levels', () => {
      const eager = prioritySchema.parse({ weddingDayRaiseLevels: 3 });
      expect(assessPriority({ kind: 'client.profile_updated', event: event(), wedding: wedding('2026-12-05', 'UTC'), policy: eager, nowMs: at('2026-12-04T12:00:00Z') }).level).toBe('high');
    });

    it('takes the ceilings of the config file; with every ceiling critical and three levels, the old raise-to-critical', () => {
      const allCritical = Object.fromEntries(notificationKinds.filter((k) => k !== 'change.generic').map((k) => [k, 'critical']));
      const old = prioritySchema.parse({ weddingDayRaiseLevels: 3, weddingDayCeilings: allCritical });
      const tweak = assessPriority({ kind: 'client.profile_updated', event: event(), wedding: wedding('2026-12-05', 'UTC'), policy: old, nowMs: at('2026-12-05T12:00:00Z') });
      expect(tweak.level).toBe('critical');
    });

    it('raises nothing outside the window', () => {
      expect(assess('form.response_received', wedding('2026-12-05', 'UTC'), '2026-12-03T23:59:00Z').level).toBe('normal');
    });
  });

  describe('a timeline change within hours of its item', () => {
    const timeline = (startsAt: string, oldStartsAt?: string): ChangeEvent => ({
      ...event(oldStartsAt ? { starts_at: oldStartsAt } : null),
      table: 'timeline_events',
      record: { id: 't1', starts_at: startsAt },
    });
    const on = (e: ChangeEvent, now: string) => assessPriority({ kind: 'timeline.updated', event: e, wedding: wedding('2026-12-05', 'Europe/Paris'), policy, nowMs: at(now) });

    it('is critical when the item starts within 6 hours', () => {
      const result = on(timeline('2026-12-05T15:00:00Z'), '2026-12-05T10:00:00Z');
      expect(result.level).toBe('critical');
      expect(result.reasons).toContain('timeline item starts within 6 h');
    });

    it('is critical when the item was due within 6 hours and moves later', () => {
      expect(on(timeline('2026-12-05T22:00:00Z', '2026-12-05T12:00:00Z'), '2026-12-05T10:00:00Z').level).toBe('critical');
    });

    it('is high on the day when the item is further off', () => {
      expect(on(timeline('2026-12-05T20:00:00Z'), '2026-12-05T10:00:00Z').level).toBe('high');
    });
  });

  describe('wedding date changes', () => {
    const now = '2026-11-25T12:00:00Z';
    it('are high when both dates are far', () => {
      const result = assess('wedding.date_changed', wedding('2027-05-01', 'UTC'), now, { wedding_date: '2027-04-01' });
      expect(result.level).toBe('high');
    });

    it('are critical when the new date is within 7 days', () => {
      const result = assess('wedding.date_changed', wedding('2026-12-01', 'UTC'), now, { wedding_date: '2027-04-01' });
      expect(result.level).toBe('critical');
      expect(result.reasons.some((r) => r.includes('2026-12-01'))).toBe(true);
    });

    it('are critical when the old date was within 7 days', () => {
      const result = assess('wedding.date_changed', wedding('2027-04-01', 'UTC'), now, { wedding_date: '2026-11-30' });
      expect(result.level).toBe('critical');
      expect(result.reasons.some((r) => r.includes('2026-11-30'))).toBe(true);
    });
  });

  it('raises a timeline change to high within 7 days of the wedding, not at 10', () => {
    expect(assess('timeline.updated', wedding('2026-12-01', 'UTC'), '2026-11-25T12:00:00Z').level).toBe('high');
    expect(assess('timeline.updated', wedding('2026-12-05', 'UTC'), '2026-11-25T12:00:00Z').level).toBe('normal');
  });

  it('scores a nearer wedding above a farther one at the same level', () => {
    const near = assess('payment.failed', wedding('2026-11-30', 'UTC'), '2026-11-25T12:00:00Z');
    const far = assess('payment.failed', wedding('2027-06-30', 'UTC'), '2026-11-25T12:00:00Z');
    expect(near.level).toBe(far.level);
    expect(near.score).toBeGreaterThan(far.score);
  });

  it('uses the levels of the config file', () => {
    const custom = prioritySchema.parse({ kinds: { 'payment.received': 'high' } });
    const result = assessPriority({ kind: 'payment.received', event: event(), wedding: null, policy: custom, nowMs: 0 });
    expect(result.level).toBe('high');
    expect(custom.kinds['payment.failed']).toBe('high');
  });

  it('refuses a config that makes generic changes critical, naming each place', () => {
    const result = prioritySchema.safeParse({ kinds: { 'change.generic': 'critical' }, weddingDayCeilings: { 'change.generic': 'critical' } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['kinds.change.generic', 'weddingDayCeilings.change.generic']);
  });

  it('refuses a generic rule that asks for critical', () => {
    const rule = { name: 'archive', match: { table: 'payments' }, priority: 'critical', audiences: [{ type: 'couple' }] };
    const result = ruleSchema.safeParse(rule);
    expect(result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([expect.stringMatching(/^priority: change\.generic never pages/)]);
    expect(ruleSchema.safeParse({ ...rule, priority: 'high' }).success).toBe(true);
  });
});

describe('priorityCeiling, read before the context', () => {
  const now = '2026-06-13T10:00:00.000Z';
  const timeline = (startsInHours: number): ChangeEvent => ({
    ...event(),
    table: 'timeline_events',
    operation: 'INSERT',
    record: { id: 't1', starts_at: new Date(at(now) + startsInHours * 3_600_000).toISOString() },
    primaryKey: { id: 't1' },
  });

  it('is never below what the wedding makes of the change: an upper bound for every kind, wedding and timeline item', () => {
    const weddings = [null, wedding('2026-06-13', 'UTC'), wedding('2026-06-14', 'Pacific/Auckland'), wedding('2026-06-16', 'UTC'), wedding('2027-01-09', 'UTC')];
    const events = [event(), event({ wedding_date: '2026-06-14' }), timeline(1), timeline(5), timeline(10), timeline(-2)];
    for (const kind of notificationKinds) {
      for (const w of weddings) {
        for (const e of events) {
          const assessed = assessPriority({ kind, event: e, wedding: w, policy, nowMs: at(now) }).level;
          const ceiling = priorityCeiling({ kind, event: e, policy, nowMs: at(now) });
          expect([kind, levelRank(ceiling) >= levelRank(assessed)]).toEqual([kind, true]);
        }
      }
    }
  });

  it('says critical for an emergency, a failed payment and a timeline item starting within 6 h; not for a form response or a later item', () => {
    const ceiling = (kind: NotificationKind, e: ChangeEvent = event()) => priorityCeiling({ kind, event: e, policy, nowMs: at(now) });
    expect(ceiling('wedding.emergency')).toBe('critical');
    expect(ceiling('payment.failed')).toBe('critical');
    expect(ceiling('timeline.updated', timeline(2))).toBe('critical');
    expect(ceiling('timeline.updated', timeline(10))).toBe('high');
    expect(ceiling('form.response_received')).toBe('high');
    expect(ceiling('change.generic')).not.toBe('critical');
  });
});
