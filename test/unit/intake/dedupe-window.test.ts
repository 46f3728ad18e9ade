import { describe, expect, it } from '@jest/globals';
import { DedupeWindow } from '../../../src/intake/dedupe-window';

describe('DedupeWindow', () => {
  it('lets an id through once inside the window and again after it', () => {
    let now = 0;
    const window = new DedupeWindow(1_000, 100, () => now);
    expect(window.firstSighting('a')).toBe(true);
    expect(window.firstSighting('a')).toBe(false);
    now = 999;
    expect(window.firstSighting('a')).toBe(false);
    now = 1_000;
    expect(window.firstSighting('a')).toBe(true);
  });

  it('stays within its size bound by forgetting the oldest ids', () => {
    const window = new DedupeWindow(60_000, 3, () => 0);
    for (const id of ['a', 'b', 'c', 'd']) window.firstSighting(id);
    expect(window.size).toBe(3);
    expect(window.firstSighting('a')).toBe(true);
    expect(window.firstSighting('d')).toBe(false);
  });

  it('forgets an id on request', () => {
    const window = new DedupeWindow(60_000, 10);
    window.firstSighting('a');
    window.forget('a');
    expect(window.firstSighting('a')).toBe(true);
  });
});
