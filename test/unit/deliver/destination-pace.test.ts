import { describe, expect, it } from '@jest/globals';
import { DestinationPace, SHORT_WAIT_MS } from '../../../src/deliver/durable/destination-pace';

function paced(random = () => 0.5) {
  const clock = { ms: 1_000 };
  const pace = new DestinationPace(() => clock.ms, random);
  const finishEvery = (key: string, intervalMs: number, times: number) => {
    for (let i = 0; i < times; i += 1) {
      clock.ms += intervalMs;
      pace.finished(key);
    }
  };
  return { clock, pace, finishEvery };
}

describe('destination pace', () => {
  it('expects four jobs behind a destination finishing every 5 ms to clear in ~20 ms: too short to put back', () => {
    const { pace, finishEvery } = paced();
    finishEvery('email', 5, 30);
    expect(pace.expectedWaitMs('email', 4)).toBeCloseTo(20, 0);
    expect(pace.expectedWaitMs('email', 4)).toBeLessThan(SHORT_WAIT_MS);
  });

  it('puts a job behind four on a destination of one a second back for ~4 s, not a fixed second', () => {
    const { pace, finishEvery } = paced();
    finishEvery('slack:org-1', 1_000, 30);
    expect(pace.putBackDelayMs('slack:org-1', 4)).toBeCloseTo(4_000, -2);
  });

  it('treats a destination that has finished nothing for a while as that slow', () => {
    const { clock, pace, finishEvery } = paced();
    finishEvery('webhook:e1', 2, 30);
    clock.ms += 2_000;
    expect(pace.expectedWaitMs('webhook:e1', 2)).toBe(4_000);
  });

  it('spreads put-back jobs over ±25 % of the wait and never beyond a minute', () => {
    const low = paced(() => 0);
    low.finishEvery('sms', 1_000, 30);
    const high = paced(() => 0.999_999);
    high.finishEvery('sms', 1_000, 30);
    expect(low.pace.putBackDelayMs('sms', 4)).toBeCloseTo(3_000, -2);
    expect(high.pace.putBackDelayMs('sms', 4)).toBeCloseTo(5_000, -2);
    expect(high.pace.putBackDelayMs('sms', 1_000)).toBe(60_000);
  });

  it('keeps each destination apart', () => {
    const { pace, finishEvery } = paced();
    finishEvery('slow', 900, 30);
    finishEvery('fast', 1, 30);
    expect(pace.expectedWaitMs('fast', 10)).toBeLessThan(SHORT_WAIT_MS);
    expect(pace.expectedWaitMs('slow', 1)).toBeGreaterThan(800);
  });
});
