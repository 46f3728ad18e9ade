import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { RunnerOptions, WorkerEvents } from 'graphile-worker';
import { LISTEN_WAKE_MS, urgentWakeUps } from '../../../src/deliver/durable/delivery-runners';

/** The runner options urgentWakeUps transforms, and a stand-in for graphile-worker's pool: its own nudge counted. */
function urgentRunner(concurrency: number, pollInterval: number) {
  const events = new EventEmitter() as WorkerEvents;
  const options = urgentWakeUps({ events, concurrency, pollInterval } as RunnerOptions);
  const ownNudge = jest.fn<(count: number) => void>();
  const workerPool = { nudge: ownNudge };
  events.emit('pool:create', { workerPool } as never);
  return { options, events, ownNudge, workerPool };
}

beforeEach(() => {
  jest.useFakeTimers();
});
afterEach(() => {
  jest.useRealTimers();
});

describe('the urgent runner wakes its workers', () => {
  it('polls for unannounced jobs once an interval for the whole runner, not once per worker', () => {
    const { options, ownNudge } = urgentRunner(32, 2_000);
    // Each worker's own poll is only a backstop now, 32 intervals apart.
    expect(options.pollInterval).toBe(64_000);
    jest.advanceTimersByTime(10_000);
    expect(ownNudge.mock.calls).toEqual([[1], [1], [1], [1], [1]]);
  });

  it('stops polling when the pool is released', () => {
    const { events, ownNudge } = urgentRunner(8, 1_000);
    jest.advanceTimersByTime(1_000);
    events.emit('pool:release', {} as never);
    jest.advanceTimersByTime(10_000);
    expect(ownNudge).toHaveBeenCalledTimes(1);
  });

  it('lets a notification wake one worker at most every LISTEN_WAKE_MS, with one trailing wake', () => {
    const { workerPool, ownNudge } = urgentRunner(8, 600_000);
    for (let i = 0; i < 10; i += 1) workerPool.nudge(1);
    expect(ownNudge).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(LISTEN_WAKE_MS);
    expect(ownNudge).toHaveBeenCalledTimes(2);
  });

  it('wakes the next worker each time one starts a job', () => {
    const { events, ownNudge } = urgentRunner(8, 600_000);
    events.emit('job:start', {} as never);
    events.emit('job:start', {} as never);
    expect(ownNudge.mock.calls).toEqual([[1], [1]]);
  });
});
