import { describe, expect, it } from '@jest/globals';
import { WaitingTurns, type Turn } from '../../../src/decide/waiting-turns';
import type { ChangeEvent } from '../../../src/intake/change-event';

const turn = (id: string, table: string, key: string): Turn => ({
  event: { id, schema: 'public', table, operation: 'UPDATE', commitTimestamp: '2026-06-13T08:00:00.000Z', record: { id: key }, oldRecord: null, primaryKey: { id: key }, subscription: table } as ChangeEvent,
  start: () => undefined,
  giveUp: () => undefined,
});

const drain = (turns: WaitingTurns) => {
  const ids: string[] = [];
  for (let t = turns.take(); t; t = turns.take()) ids.push(t.event.id);
  return ids;
};

describe('changes waiting for a turn to be decided', () => {
  it('lets those that may be critical go first, each lane in arrival order', () => {
    const turns = new WaitingTurns();
    turns.push(turn('form-1', 'form_responses', 'f1'), false);
    turns.push(turn('alert-1', 'wedding_alerts', 'a1'), true);
    turns.push(turn('form-2', 'form_responses', 'f2'), false);
    turns.push(turn('alert-2', 'wedding_alerts', 'a2'), true);
    expect(turns.size).toBe(4);
    expect(drain(turns)).toEqual(['alert-1', 'alert-2', 'form-1', 'form-2']);
    expect(turns.size).toBe(0);
  });

  it('never lets a change overtake an earlier change of the same record', () => {
    const turns = new WaitingTurns();
    turns.push(turn('t1-edit', 'timeline_events', 't1'), false);
    // The same item moved to start within the hour: it may be critical, but its earlier edit is waiting.
    turns.push(turn('t1-moved', 'timeline_events', 't1'), true);
    turns.push(turn('t2-moved', 'timeline_events', 't2'), true);
    expect(drain(turns)).toEqual(['t2-moved', 't1-edit', 't1-moved']);
    // Once the earlier one has left, the record's next change may go first again.
    turns.push(turn('f1', 'form_responses', 'f1'), false);
    turns.push(turn('t1-again', 'timeline_events', 't1'), true);
    expect(drain(turns)).toEqual(['t1-again', 'f1']);
  });

  it('hands every waiting turn back at once, and forgets them', () => {
    const turns = new WaitingTurns();
    for (let i = 0; i < 3_000; i += 1) turns.push(turn(`e${i}`, 'payments', `p${i % 7}`), i % 3 === 0);
    for (let i = 0; i < 1_500; i += 1) turns.take();
    expect(turns.takeAll()).toHaveLength(1_500);
    expect(turns.size).toBe(0);
    expect(turns.take()).toBeUndefined();
  });
});
