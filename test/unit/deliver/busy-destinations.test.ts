import { describe, expect, it } from '@jest/globals';
import { BusyDestinations } from '../../../src/deliver/durable/busy-destinations';
import { DestinationPace } from '../../../src/deliver/durable/destination-pace';
import type { RateLimiter } from '../../../src/deliver/rate-limiter';
import { deliveryOf } from '../../support/delivery-factory';
import { TEST_SECRET } from '../../support/test-config';

/** A destination finishing a delivery a second, with `waiting` jobs in its limiter (`critical` of them critical). */
function busy(waiting: number, critical = 0) {
  const clock = { ms: 1_000_000 };
  const pace = new DestinationPace(() => clock.ms, () => 0.5);
  for (let i = 0; i < 30; i += 1) {
    clock.ms += 1_000;
    pace.finished('webhook:slow');
  }
  const limiter = { queued: (level?: string) => (level === 'critical' ? critical : waiting) } as unknown as RateLimiter;
  const destinations = new BusyDestinations({ pace, limiterFor: () => limiter, maxWaiting: 4, now: () => clock.ms });
  return { clock, destinations };
}

const toSlow = (n: number, level: 'critical' | 'normal' = 'normal', notBeforeMs: number | null = null) => ({
  ...deliveryOf(
    { channel: 'webhook', url: 'http://127.0.0.1:9/slow', secrets: [TEST_SECRET], timeoutMs: 1_000, body: `{"n":${n}}` },
    { recipient: { kind: 'endpoint', id: 'slow' }, priority: { level, score: level === 'critical' ? 95 : 45, reasons: ['test'] } },
  ),
  notBeforeMs,
});

describe('turns for deliveries planned while their destination is busy', () => {
  it('gives each a turn of its own, one interval of the pace after the one before, in the order planned', () => {
    const { clock, destinations } = busy(6);
    const planned = [1, 2, 3].map((n) => toSlow(n));
    const turns = destinations.turnsFor(planned)!;
    const ahead = planned.map((d) => turns.get(d.id)! - clock.ms);
    // Six ahead at a second each, then a second after each other.
    expect(ahead[0]).toBeCloseTo(6_000, -2);
    expect(ahead[1]! - ahead[0]!).toBeCloseTo(1_000, -2);
    expect(ahead[2]! - ahead[1]!).toBeCloseTo(1_000, -2);
  });

  it('gives none while no more than maxWaitingPerDestination wait: they wait in line', () => {
    expect(busy(3).destinations.turnsFor([toSlow(1), toSlow(2)])).toBeUndefined();
  });

  it('leaves a delivery held for quiet hours or a cap at its own time', () => {
    const { clock, destinations } = busy(6);
    const held = toSlow(1, 'normal', 2_000_000);
    const free = toSlow(2);
    const turns = destinations.turnsFor([held, free])!;
    expect(turns.has(held.id)).toBe(false);
    expect(turns.get(free.id)! > clock.ms).toBe(true);
  });

  it('counts only critical ones against a critical delivery: behind normal ones it goes at once', () => {
    expect(busy(50, 0).destinations.turnsFor([toSlow(1, 'critical')])).toBeUndefined();
    expect(busy(50, 4).destinations.turnsFor([toSlow(2, 'critical')])?.size).toBe(1);
  });
});
