import { describe, expect, it, jest } from '@jest/globals';
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

describe('HourlyCapTracker memory', () => {
  it('forgets people an hour after their last booking, without seeing them again', () => {
    const caps = new HourlyCapTracker();
    for (let i = 0; i < 1_000; i += 1) caps.admit(`once:${i}`, i, 10);
    expect(caps.size()).toBe(1_000);
    // Others keep being decided for: each decision drops up to two of the people whose hour has
    // passed, among the next eight of its pass over the map (the new people are looked at too).
    for (let i = 0; i < 1_000; i += 1) caps.admit(`later:${i}`, 2 * HOUR + i, 10);
    expect(caps.size()).toBe(1_000);
    expect(caps.wouldExceed('later:0', 2 * HOUR + 1_000, 1)).toBe(true);
  });

  it('goes on with one pass over the map, not a new walk from its front at each decision', () => {
    // A new walk skips every deleted entry V8 still keeps at the front (each booking deletes and
    // re-adds its person): with 50,000 people that was 43 µs a decision and ~1 s a gauge read.
    const caps = new HourlyCapTracker();
    const walks = jest.spyOn(Map.prototype, 'entries');
    try {
      for (let i = 0; i < 10_000; i += 1) caps.admit(`p:${i % 2_000}`, i * 1_000, 10);
      // A pass starts again only at the end of the map (here ~80 times); a walk from the front at
      // each decision made 20,000.
      expect(walks.mock.calls.length).toBeLessThan(200);
    } finally {
      walks.mockRestore();
    }
    expect(caps.size()).toBeLessThanOrEqual(2_000);
  });

  it('drops every stale person when the gauge reads it', () => {
    const caps = new HourlyCapTracker();
    for (let i = 0; i < 100; i += 1) caps.admit(`once:${i}`, i * 60_000, 10);
    expect(caps.size(HOUR + 50 * 60_000)).toBe(49);
  });

  it('keeps a person whose booking was deferred past the hour', () => {
    const caps = new HourlyCapTracker();
    caps.admit('deferred', 3 * HOUR, 1, 0);
    expect(caps.size(2 * HOUR)).toBe(1);
    expect(caps.wouldExceed('deferred', 3 * HOUR + 1, 1)).toBe(true);
  });
});
