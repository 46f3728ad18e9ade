import { describe, expect, it } from '@jest/globals';
import { createLifecycle, StartAbandonedError, type LifecycleParts } from '../../src/lifecycle';
import { Releasers } from '../../src/lib/releasers';
import { memoryLogger } from '../support/memory-log';
import { waitFor } from '../support/wait-for';

function parts(overrides: Partial<LifecycleParts> = {}) {
  const calls: string[] = [];
  const releasers = new Releasers();
  releasers.add('database pool', () => void calls.push('release pool'));
  const value: LifecycleParts = {
    health: { listen: async () => (calls.push('listen'), 8080), close: async () => void calls.push('close health') },
    startQueue: async () => void calls.push('start queue'),
    intake: { start: async () => void calls.push('start intake'), stop: async () => void calls.push('stop intake') },
    deciding: { inFlight: () => 0, settle: async () => (calls.push('settle decisions'), 0) },
    deliveries: { pending: () => 0, drain: async () => (calls.push('drain'), { undelivered: [] }), forceAbort: () => void calls.push('force') },
    releasers,
    shutdownTimeoutMs: 60_000,
    onDraining: () => void calls.push('draining'),
    describe: () => ({}),
    logger: memoryLogger().logger,
    ...overrides,
  };
  return { value, calls };
}

describe('the start and stop sequence', () => {
  it('starts health, queue, intake in order, and stops them the other way round', async () => {
    const { value, calls } = parts();
    const lifecycle = createLifecycle(value);
    await expect(lifecycle.start()).resolves.toEqual({ healthPort: 8080 });
    await expect(lifecycle.stop()).resolves.toEqual({ clean: true, undelivered: [] });
    expect(calls).toEqual(['listen', 'start queue', 'start intake', 'draining', 'stop intake', 'settle decisions', 'drain', 'close health', 'release pool']);
  });

  it('abandons a start still waiting for the database when a stop comes, and never starts the intake', async () => {
    let waiting = false;
    const waitingForDatabase = (signal: AbortSignal) =>
      new Promise<void>((_, reject) => {
        waiting = true;
        signal.addEventListener('abort', () => reject(signal.reason));
      });
    const { value, calls } = parts({ startQueue: waitingForDatabase });
    const lifecycle = createLifecycle(value);
    const started = lifecycle.start().then(
      () => 'started',
      (error: unknown) => error,
    );
    await waitFor(() => waiting, { what: 'the start to wait for the database' });

    await expect(lifecycle.stop()).resolves.toEqual({ clean: true, undelivered: [] });
    expect(await started).toMatchObject({ name: 'AbortError' });
    expect(calls).not.toContain('start intake');
    expect(calls.slice(-3)).toEqual(['drain', 'close health', 'release pool']);
  });

  it('refuses to start once stopped, and stops only once', async () => {
    const { value, calls } = parts();
    const lifecycle = createLifecycle(value);
    const first = lifecycle.stop();
    expect(lifecycle.stop()).toBe(first);
    await first;
    await expect(lifecycle.start()).rejects.toBeInstanceOf(StartAbandonedError);
    expect(calls.filter((c) => c === 'drain')).toHaveLength(1);
  });

  it('ends the stop, not clean, when the deliveries never finish draining', async () => {
    const { value, calls } = parts({
      shutdownTimeoutMs: 10,
      deliveries: { pending: () => 1, drain: () => new Promise(() => undefined), forceAbort: () => void calls.push('force') },
    });
    const lifecycle = createLifecycle(value);
    await expect(lifecycle.stop()).resolves.toEqual({ clean: false, undelivered: [] });
    expect(calls.slice(-2)).toEqual(['settle decisions', 'release pool']);
  });
});
