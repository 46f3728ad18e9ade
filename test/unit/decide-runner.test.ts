import { describe, expect, it } from '@jest/globals';
import { createDecideRunner } from '../../src/decide-runner';
import type { ChangeEvent } from '../../src/intake/change-event';
import { DatabaseHealth } from '../../src/lib/database-health';
import { memoryLogger } from '../support/memory-log';
import { waitFor } from '../support/wait-for';

const change = (id: string): ChangeEvent => ({
  id,
  schema: 'public',
  table: 'weddings',
  operation: 'INSERT',
  commitTimestamp: '2026-06-13T08:00:00.000Z',
  record: { id },
  oldRecord: null,
  primaryKey: { id },
  subscription: 'weddings',
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const refused = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));

describe('the decide runner', () => {
  it('lets the decisions under way finish before settling', async () => {
    const gate = deferred();
    const runner = createDecideRunner({ decide: () => gate.promise, database: new DatabaseHealth(), logger: memoryLogger().logger });
    const decided = runner.decide(change('evt_1'));
    expect(runner.inFlight()).toBe(1);

    const settled = runner.settle(new AbortController().signal);
    gate.resolve();

    await expect(decided).resolves.toBeUndefined();
    await expect(settled).resolves.toBe(0);
    expect(runner.inFlight()).toBe(0);
  });

  it('at the deadline gives up a decision waiting for the database and stops waiting for one stuck in a query', async () => {
    const { logger, lines } = memoryLogger();
    const database = new DatabaseHealth();
    const stuck = deferred();
    const runner = createDecideRunner({ decide: (event) => (event.id === 'evt_down' ? refused() : stuck.promise), database, logger });
    const givenUp = runner.decide(change('evt_down')).then(() => 'decided', () => 'given up');
    const stuckOutcome = runner.decide(change('evt_stuck')).then(() => 'decided', () => 'given up');
    const deadline = new AbortController();
    const settled = runner.settle(deadline.signal);
    // The outage is being waited out, not reported as a failed decision.
    await waitFor(() => !database.current().reachable, { what: 'the database marked unreachable' });
    expect(runner.inFlight()).toBe(2);

    deadline.abort();

    await expect(settled).resolves.toBe(1);
    await expect(givenUp).resolves.toBe('given up');
    expect(lines.find((l) => l.msg === 'change not decided; catch-up will bring it back')).toMatchObject({ eventId: 'evt_down' });
    // Its query ends after the deadline: it is reported as given up too.
    stuck.resolve();
    await expect(stuckOutcome).resolves.toBe('given up');
  });
});
