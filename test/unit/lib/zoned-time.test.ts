import { describe, expect, it } from '@jest/globals';
import { daysUntil, localDate, quietWindowEnd } from '../../../src/lib/zoned-time';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('quietWindowEnd', () => {
  const night = { start: '22:00', end: '07:00' };

  it('ends the next morning when it is late evening', () => {
    // 23:00 in Berlin (CET, +1) → 07:00 Berlin the next day.
    expect(iso(quietWindowEnd(at('2026-11-25T22:00:00Z'), night, 'Europe/Berlin'))).toBe('2026-11-26T06:00:00.000Z');
  });

  it('ends the same morning when it is early morning', () => {
    expect(iso(quietWindowEnd(at('2026-11-26T04:00:00Z'), night, 'Europe/Berlin'))).toBe('2026-11-26T06:00:00.000Z');
  });

  it('is null outside the window and for an empty window', () => {
    expect(quietWindowEnd(at('2026-11-26T11:00:00Z'), night, 'Europe/Berlin')).toBeNull();
    expect(quietWindowEnd(at('2026-11-26T11:00:00Z'), { start: '09:00', end: '09:00' }, 'Europe/Berlin')).toBeNull();
  });

  it('handles a window inside one day', () => {
    expect(iso(quietWindowEnd(at('2026-11-26T12:30:00Z'), { start: '12:00', end: '14:00' }, 'UTC'))).toBe('2026-11-26T14:00:00.000Z');
  });

  it('follows the clock change: a 22:00–07:00 night is 10 hours when clocks fall back', () => {
    // New York, 2026-11-01: at 23:00 EDT on Oct 31 the window ends at 07:00 EST on Nov 1.
    expect(iso(quietWindowEnd(at('2026-11-01T03:00:00Z'), night, 'America/New_York'))).toBe('2026-11-01T12:00:00.000Z');
  });

  it('ends at a valid instant when the end falls into the spring-forward gap', () => {
    // Berlin 2026-03-29: 02:00 jumps to 03:00, so 02:30 does not exist that day.
    const end = quietWindowEnd(at('2026-03-29T00:30:00Z'), { start: '23:00', end: '02:30' }, 'Europe/Berlin');
    expect(end).not.toBeNull();
    expect(end!).toBeGreaterThan(at('2026-03-29T00:30:00Z'));
    expect(iso(end)).toBe('2026-03-29T01:30:00.000Z');
  });
});

describe('local dates', () => {
  it('reads the calendar in the zone, not in UTC', () => {
    expect(localDate(at('2026-11-25T11:30:00Z'), 'Pacific/Auckland')).toBe('2026-11-26');
    expect(daysUntil('2026-11-26', at('2026-11-25T11:30:00Z'), 'Pacific/Auckland')).toBe(0);
    expect(daysUntil('2026-11-26', at('2026-11-25T11:30:00Z'), 'UTC')).toBe(1);
  });
});
