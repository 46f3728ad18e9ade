import { describe, expect, it } from '@jest/globals';
import { GapCursor } from '../../../src/intake/gap-cursor';

function clock(start = 0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('GapCursor', () => {
  it('never skips an expired gap past a change still being decided, nor past one that failed until a pass read it', () => {
    const time = clock();
    const c = new GapCursor({ after: 0, seen: [] }, 1_000, time.now);
    c.hold(1); // handed on, its queue insert under way
    c.note(2);
    time.advance(5_000);
    expect(c.toJSON()).toEqual({ after: 0, seen: [[2, 2]] });
    c.fail(1);
    const readBy = c.failedKeys();
    expect(readBy).toEqual([1]);
    time.advance(5_000);
    expect(c.toJSON().after).toBe(0);
    c.dropRead(readBy); // a catch-up pass read past it and did not find it again
    expect(c.toJSON()).toEqual({ after: 2, seen: [] });
  });

  it('moves past contiguous ids at once', () => {
    const c = new GapCursor({ after: 10, seen: [] }, 1_000);
    for (const id of [11, 12, 13]) c.note(id);
    expect(c.toJSON()).toEqual({ after: 13, seen: [] });
  });

  it('stays below an id still in flight, remembering what it handled above it', () => {
    const time = clock();
    const c = new GapCursor({ after: 10, seen: [] }, 1_000, time.now);
    for (const id of [11, 13, 14, 16]) c.note(id);
    expect(c.toJSON()).toEqual({ after: 11, seen: [[13, 14], [16, 16]] });
    expect(c.handled(13)).toBe(true);
    expect(c.handled(12)).toBe(false);
    c.note(12); // the slow transaction committed
    expect(c.toJSON()).toEqual({ after: 14, seen: [[16, 16]] });
  });

  it('gives up on a gap older than the grace (a rolled-back insert), and times the next gap afresh', () => {
    const time = clock();
    const c = new GapCursor({ after: 0, seen: [] }, 1_000, time.now);
    c.note(2);
    c.note(4);
    time.advance(999);
    expect(c.readAfter).toBe(0);
    time.advance(1);
    expect(c.toJSON()).toEqual({ after: 2, seen: [[4, 4]] });
    time.advance(999);
    expect(c.toJSON().after).toBe(2);
    time.advance(1);
    expect(c.toJSON()).toEqual({ after: 4, seen: [] });
  });

  it('survives a save and load with the same gaps, so a restart hands on nothing twice', () => {
    const c = new GapCursor({ after: 5, seen: [] }, 60_000);
    for (const id of [7, 8, 9, 12]) c.note(id);
    const reloaded = new GapCursor(GapCursor.parse(JSON.parse(JSON.stringify(c.toJSON())))!, 60_000);
    expect([6, 7, 8, 9, 10, 11, 12].map((id) => reloaded.handled(id))).toEqual([false, true, true, true, false, false, true]);
    expect(reloaded.readAfter).toBe(5);
  });

  it('refuses a position that is not one', () => {
    expect(GapCursor.parse(null)).toBeNull();
    expect(GapCursor.parse({ after: 'x' })).toBeNull();
    expect(GapCursor.parse({ after: 3, seen: [[5, 4], 'y'] })).toEqual({ after: 3, seen: [] });
  });
});
