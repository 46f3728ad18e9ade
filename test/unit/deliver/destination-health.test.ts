import { describe, expect, it } from '@jest/globals';
import { DestinationHealth } from '../../../src/deliver/destinations';

describe('the in-process destination health list', () => {
  it('is bounded: past it the oldest held destination goes before any disabled one', () => {
    const health = new DestinationHealth(() => 0, { maxEntries: 3 });
    health.disable('webhook:gone-1', '410');
    health.hold('webhook:held-1', 'failing during a wedding');
    health.disable('webhook:gone-2', '410');
    health.disable('webhook:gone-3', '410');
    expect(health.size()).toBe(3);
    expect(health.list().map((e) => e.key)).toEqual(['webhook:gone-1', 'webhook:gone-2', 'webhook:gone-3']);
    health.disable('webhook:gone-4', '410');
    expect(health.list().map((e) => e.key)).toEqual(['webhook:gone-2', 'webhook:gone-3', 'webhook:gone-4']);
  });

  it('forgets a held destination not reported failing again, and keeps one that is', () => {
    let nowMs = 0;
    const health = new DestinationHealth(() => nowMs, { heldForgetMs: 60_000 });
    health.hold('slack:quiet', 'failing');
    health.hold('slack:still-failing', 'failing');
    nowMs = 50_000;
    health.hold('slack:still-failing', 'failing');
    nowMs = 61_000;
    expect(health.list()).toEqual([{ key: 'slack:still-failing', state: 'held', reason: 'failing', sinceMs: 0 }]);
    expect(health.size()).toBe(1);
  });
});
