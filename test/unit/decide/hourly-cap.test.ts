import { describe, expect, it } from '@jest/globals';
import { HourlyCapTracker } from '../../../src/decide/hourly-cap';

const HOUR = 3_600_000;

describe('HourlyCapTracker', () => {
  it('admits up to the cap at once and defers the next to when the first leaves the hour', () => {
    const caps = new HourlyCapTracker();
    const slots = Array.from({ length: 11 }, (_, i) => caps.admit('vendor:1', 1_000 + i, 10));
    expect(slots.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => 1_000 + i));
    expect(slots[10]).toBe(1_000 + HOUR);
  });

  it('keeps deferring in order, and people do not share a budget', () => {
    const caps = new HourlyCapTracker();
    for (let i = 0; i < 2; i += 1) caps.admit('a', 0, 2);
    expect(caps.admit('a', 10, 2)).toBe(HOUR);
    expect(caps.admit('a', 20, 2)).toBe(HOUR);
    expect(caps.admit('a', 30, 2)).toBe(2 * HOUR);
    expect(caps.admit('b', 30, 2)).toBe(30);
  });

  it('tells whether one more would exceed without booking it', () => {
    const caps = new HourlyCapTracker();
    caps.admit('a', 0, 1);
    expect(caps.wouldExceed('a', 5, 1)).toBe(true);
    expect(caps.wouldExceed('a', 5, 1)).toBe(true);
    expect(caps.wouldExceed('a', HOUR, 1)).toBe(false);
  });
});
