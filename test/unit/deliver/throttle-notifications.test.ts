import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { RunnerOptions, WorkerEvents } from 'graphile-worker';
import { LISTEN_WAKE_MS, throttleNotifications } from '../../../src/deliver/durable/delivery-runners';

/** The runner options throttleNotifications transforms, and a stand-in for graphile-worker's pool: its own nudge counted. */
function urgentRunner(pollInterval: number) {
  const events = new EventEmitter() as WorkerEvents;
  const options = throttleNotifications({ events, concurrency: 32, pollInterval } as RunnerOptions);
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

describe('notifications to the urgent runner', () => {
  it('wake it at most every LISTEN_WAKE_MS, with one trailing wake for those in between', () => {
    const { workerPool, ownNudge } = urgentRunner(600_000);
    for (let i = 0; i < 10; i += 1) workerPool.nudge(1);
    expect(ownNudge).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(LISTEN_WAKE_MS);
    expect(ownNudge).toHaveBeenCalledTimes(2);
    jest.advanceTimersByTime(10 * LISTEN_WAKE_MS);
    expect(ownNudge).toHaveBeenCalledTimes(2);
  });

  it('wake nothing once the pool is released, not even the trailing wake', () => {
    const { workerPool, events, ownNudge } = urgentRunner(600_000);
    workerPool.nudge(1);
    workerPool.nudge(1);
    events.emit('pool:release', {} as never);
    jest.advanceTimersByTime(10 * LISTEN_WAKE_MS);
    expect(ownNudge).toHaveBeenCalledTimes(1);
  });

  it('leave the poll to the local queue, once an interval for the whole runner', () => {
    const { options, ownNudge } = urgentRunner(2_000);
    expect(options.pollInterval).toBe(2_000);
    jest.advanceTimersByTime(10_000);
    expect(ownNudge).not.toHaveBeenCalled();
  });
});
