import { describe, expect, it } from '@jest/globals';
import { DestinationPace, MAX_PUT_BACK_MS, MAX_QUEUED_TURN_MS, SHORT_WAIT_MS } from '../../../src/deliver/durable/destination-pace';

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
    expect(pace.putBackDelayMs('slack:org-1', 4, 'normal')).toBeCloseTo(4_000, -2);
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
    expect(low.pace.putBackDelayMs('sms', 4, 'normal')).toBeCloseTo(3_000, -2);
    expect(high.pace.putBackDelayMs('sms', 4, 'normal')).toBeCloseTo(5_000, -2);
    expect(high.pace.putBackDelayMs('sms', 1_000, 'normal')).toBe(MAX_PUT_BACK_MS);
    expect(MAX_PUT_BACK_MS).toBe(60_000);
  });

  it('gives each job put back behind a saturated destination a turn of its own, one interval after the last', () => {
    // Resend's team limit on a Saturday: 10 emails a second, thousands waiting. Each job used to
    // come back ~0.4 s later with all the others, to be put back again.
    const { clock, pace, finishEvery } = paced();
    finishEvery('email:resend', 100, 30);
    const dueAt = Array.from({ length: 500 }, () => clock.ms + pace.putBackDelayMs('email:resend', 4, 'normal'));
    expect(dueAt[0]! - clock.ms).toBeCloseTo(400, -1);
    for (let i = 1; i < dueAt.length; i += 1) expect(dueAt[i]! - dueAt[i - 1]!).toBeCloseTo(100, 0);
    expect(dueAt.at(-1)! - clock.ms).toBeCloseTo(400 + 499 * 100, -3);
    // Past a minute of turns they still come one interval apart, not all together a minute on.
    const later = Array.from({ length: 200 }, () => pace.putBackDelayMs('email:resend', 4, 'normal'));
    expect(later[0]).toBeGreaterThan(MAX_PUT_BACK_MS - 10_000);
    for (let i = 1; i < later.length; i += 1) expect(later[i]! - later[i - 1]!).toBeCloseTo(100, 0);
    expect(later.at(-1)).toBeGreaterThan(MAX_PUT_BACK_MS);
  });

  it('keeps turns a quarter of an hour ahead at most: jobs beyond come back then, to wait again', () => {
    const { clock, pace, finishEvery } = paced();
    finishEvery('email:resend', 100, 30);
    const delays = Array.from({ length: 12_000 }, () => pace.putBackDelayMs('email:resend', 4, 'normal'));
    expect(MAX_QUEUED_TURN_MS).toBe(900_000);
    expect(delays[8_000]! / (400 + 8_000 * 100)).toBeCloseTo(1, 2);
    expect(Math.max(...delays)).toBe(MAX_QUEUED_TURN_MS);
    expect(delays.slice(9_100)).toEqual(Array.from({ length: 12_000 - 9_100 }, () => MAX_QUEUED_TURN_MS));
    // A guess from a stalled destination is still cut at a minute.
    finishEvery('webhook:hung', 10, 30);
    clock.ms += 600_000;
    expect(pace.putBackDelayMs('webhook:hung', 4, 'normal')).toBe(MAX_PUT_BACK_MS);
  });

  it('lets a critical job queue only behind critical ones put back before it', () => {
    const { pace, finishEvery } = paced();
    finishEvery('email:resend', 100, 30);
    for (let i = 0; i < 500; i += 1) pace.putBackDelayMs('email:resend', 4, 'normal');
    expect(pace.putBackDelayMs('email:resend', 4, 'critical')).toBeCloseTo(400, -1);
    expect(pace.putBackDelayMs('email:resend', 4, 'critical')).toBeCloseTo(500, -1);
    expect(pace.putBackDelayMs('email:resend', 4, 'normal')).toBeGreaterThan(50_000);
  });

  it('forgets turns that have passed: a job put back after the queue cleared waits only for the jobs ahead of it', () => {
    const { clock, pace, finishEvery } = paced();
    finishEvery('email:resend', 100, 30);
    for (let i = 0; i < 50; i += 1) pace.putBackDelayMs('email:resend', 4, 'normal');
    finishEvery('email:resend', 100, 60);
    clock.ms += 10_000;
    finishEvery('email:resend', 100, 30);
    expect(pace.putBackDelayMs('email:resend', 4, 'normal')).toBeCloseTo(400, -2);
  });

  it('keeps each destination apart', () => {
    const { pace, finishEvery } = paced();
    finishEvery('slow', 900, 30);
    finishEvery('fast', 1, 30);
    expect(pace.expectedWaitMs('fast', 10)).toBeLessThan(SHORT_WAIT_MS);
    expect(pace.expectedWaitMs('slow', 1)).toBeGreaterThan(800);
  });
});
