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

/** A decide that records the order changes start in and holds each until its gate is opened. */
function gatedDecide() {
  const gates: ReturnType<typeof deferred>[] = [];
  const byId = new Map<string, ReturnType<typeof deferred>>();
  const started: string[] = [];
  const decide = (event: ChangeEvent) => {
    started.push(event.id);
    const gate = deferred();
    gates.push(gate);
    byId.set(event.id, gate);
    return gate.promise;
  };
  return { decide, gates, byId, started };
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

  it('decides at most maxConcurrent changes at once and starts the others in arrival order as turns free up', async () => {
    const { decide, byId: gates, started } = gatedDecide();
    const runner = createDecideRunner({
      decide,
      database: null,
      logger: memoryLogger().logger,
      maxConcurrent: 2,
    });
    const outcomes = ['evt_1', 'evt_2', 'evt_3', 'evt_4', 'evt_5'].map((id) => runner.decide(change(id)));
    expect(started).toEqual(['evt_1', 'evt_2']);
    expect(runner.inFlight()).toBe(5);

    gates.get('evt_2')!.resolve();
    await waitFor(() => started.length === 3, { what: 'the third change started' });
    expect(started).toEqual(['evt_1', 'evt_2', 'evt_3']);
    gates.get('evt_1')!.resolve();
    gates.get('evt_3')!.resolve();
    await waitFor(() => started.length === 5, { what: 'every change started' });
    expect(started).toEqual(['evt_1', 'evt_2', 'evt_3', 'evt_4', 'evt_5']);
    gates.get('evt_4')!.resolve();
    gates.get('evt_5')!.resolve();
    await Promise.all(outcomes);
    expect(runner.inFlight()).toBe(0);
  });

  it('says it is overloaded once maxWaiting changes wait for a turn, and not once they get one', async () => {
    const { decide, byId: gates } = gatedDecide();
    const runner = createDecideRunner({ decide, database: null, logger: memoryLogger().logger, maxConcurrent: 1, maxWaiting: 2 });
    const outcomes = [runner.decide(change('evt_1')), runner.decide(change('evt_2'))];
    // One deciding, one waiting: room for one more.
    expect(runner.overloaded()).toBe(false);
    outcomes.push(runner.decide(change('evt_3')));
    expect(runner.overloaded()).toBe(true);
    gates.get('evt_1')!.resolve();
    await waitFor(() => gates.has('evt_2'), { what: 'the second change started' });
    expect(runner.overloaded()).toBe(false);
    gates.get('evt_2')!.resolve();
    await waitFor(() => gates.has('evt_3'), { what: 'the third change started' });
    gates.get('evt_3')!.resolve();
    await Promise.all(outcomes);
  });

  it('settles once the waiting changes are decided too, and at the deadline gives up those still waiting', async () => {
    const { decide, gates, started } = gatedDecide();
    const { logger, lines } = memoryLogger();
    const runner = createDecideRunner({
      decide,
      database: new DatabaseHealth(),
      logger,
      maxConcurrent: 1,
    });
    const first = runner.decide(change('evt_a'));
    const second = runner.decide(change('evt_b')).then(() => 'decided', () => 'given up');
    const third = runner.decide(change('evt_c')).then(() => 'decided', () => 'given up');
    const deadline = new AbortController();
    const settled = runner.settle(deadline.signal);
    gates[0]!.resolve();
    await expect(first).resolves.toBeUndefined();
    // Settling is not done while evt_b, started only now, is being decided.
    await waitFor(() => started.includes('evt_b'), { what: 'the second change started' });
    expect(runner.inFlight()).toBe(2);

    deadline.abort();
    await expect(settled).resolves.toBe(1);
    await expect(third).resolves.toBe('given up');
    expect(started).toEqual(['evt_a', 'evt_b']);
    expect(lines.filter((l) => l.msg === 'change not decided; catch-up will bring it back').map((l) => l.eventId)).toContain('evt_c');
    gates[1]!.resolve();
    await expect(second).resolves.toBe('given up');
  });

  it('when changes wait for a turn, starts those that may be critical first', async () => {
    const { decide, gates, started } = gatedDecide();
    const runner = createDecideRunner({
      decide,
      database: null,
      logger: memoryLogger().logger,
      maxConcurrent: 1,
      mayBeCritical: (event) => event.id.startsWith('evt_alert'),
    });
    const outcomes = ['evt_1', 'evt_2', 'evt_3', 'evt_alert_4', 'evt_5', 'evt_alert_6'].map((id) => runner.decide(change(id)));
    for (let i = 0; i < 6; i += 1) {
      await waitFor(() => started.length === i + 1, { what: `change ${i + 1} started` });
      gates[i]!.resolve();
    }
    await Promise.all(outcomes);
    expect(started).toEqual(['evt_1', 'evt_alert_4', 'evt_alert_6', 'evt_2', 'evt_3', 'evt_5']);
  });
});
