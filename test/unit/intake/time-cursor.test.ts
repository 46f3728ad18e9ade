import { describe, expect, it } from '@jest/globals';
import { TimeCursor } from '../../../src/intake/time-cursor';

describe('TimeCursor', () => {
  it('persists no stamp past an older change still being decided', () => {
    const c = new TimeCursor({ at: '2026-06-12T10:00:00Z', recent: [] }, 1_000);
    c.hold('older', '2026-06-12T10:00:01.000001Z');
    c.note('newer', '2026-06-12T10:00:09Z');
    expect(c.toJSON().at).toBe('2026-06-12T10:00:01.000001Z');
    expect(c.toJSON().recent.map(([key]) => key)).toEqual(['newer']);
    c.note('older', '2026-06-12T10:00:01.000001Z');
    expect(c.toJSON().at).toBe('2026-06-12T10:00:09Z');
  });

  it('keeps a failed change ahead of the cursor until a catch-up pass has read past it', () => {
    const c = new TimeCursor({ at: null, recent: [] }, 1_000);
    c.hold('failed', '2026-06-12T10:00:01Z');
    c.note('newer', '2026-06-12T10:00:09Z');
    c.fail('failed');
    const pass = c.failedKeys();
    expect(c.at).toBe('2026-06-12T10:00:01.000000Z');
    c.dropRead(pass);
    expect(c.at).toBe('2026-06-12T10:00:09Z');
  });

  it('keeps the newest stamp, by instant whatever the print', () => {
    const c = new TimeCursor({ at: null, recent: [] }, 5_000);
    c.note('a', '2026-06-12T10:00:02+00:00');
    c.note('b', '2026-06-12T12:00:01+02:00'); // earlier instant
    expect(c.at).toBe('2026-06-12T10:00:02+00:00');
  });

  it('remembers what it handled within the overlap only, and persists it', () => {
    const c = new TimeCursor({ at: null, recent: [] }, 5_000);
    c.note('old', '2026-06-12T10:00:00Z');
    c.note('edge', '2026-06-12T10:00:05Z');
    c.note('new', '2026-06-12T10:00:10Z');
    const saved = JSON.parse(JSON.stringify(c.toJSON()));
    expect(saved.recent.map(([key]: [string]) => key).sort()).toEqual(['edge', 'new']);
    const reloaded = new TimeCursor(TimeCursor.parse(saved)!, 5_000);
    expect(['old', 'edge', 'new'].map((k) => reloaded.handled(k))).toEqual([false, true, true]);
    expect(reloaded.at).toBe('2026-06-12T10:00:10Z');
  });

  it('holds keys without a stamp until told it, without moving the cursor', () => {
    const c = new TimeCursor({ at: '2026-06-12T10:00:00Z', recent: [] }, 5_000);
    c.note('live', null);
    expect(c.unstampedKeys()).toEqual(['live']);
    expect(c.handled('live')).toBe(false);
    c.note('live', '2026-06-12T10:00:01Z');
    expect(c.unstampedKeys()).toEqual([]);
    expect(c.handled('live')).toBe(true);
    expect(c.at).toBe('2026-06-12T10:00:01Z');
  });

  it('caps what it remembers, dropping the oldest', () => {
    const c = new TimeCursor({ at: null, recent: [] }, 60_000, 2);
    c.note('a', '2026-06-12T10:00:01Z');
    c.note('b', '2026-06-12T10:00:02Z');
    c.note('c', '2026-06-12T10:00:03Z');
    expect(c.toJSON().recent.map(([k]) => k).sort()).toEqual(['b', 'c']);
  });

  it('refuses a position that is not one', () => {
    expect(TimeCursor.parse({ at: 'soon', recent: [] })).toBeNull();
    expect(TimeCursor.parse({ at: null, recent: [['k', '1'], [1, 2]] })).toEqual({ at: null, recent: [['k', '1']] });
  });
});
