import { describe, expect, it } from '@jest/globals';
import { DeliveryLedger, type SqlPool } from '../../../src/deliver/durable/delivery-ledger';

/** A pool whose reads answer only when the test says so, each with the rows of the ids asked for. */
function heldPool() {
  const pending: { ids: string[]; answer: () => void }[] = [];
  const pool = {
    query: (_text: string, values?: unknown[]) =>
      new Promise((resolve) => {
        const ids = (values?.[0] as string[]) ?? [];
        const rows = ids.map((id) => ({ id, status: 'pending', attempts: 0, runs: 0, payload: {}, open_until: null, disabled_reason: null, consecutive_failures: null, now: new Date(0) }));
        pending.push({ ids, answer: () => resolve({ rows, rowCount: rows.length }) });
      }),
    connect: () => Promise.reject(new Error('not used')),
  } as unknown as SqlPool;
  return { pool, pending };
}

describe("an urgent run's ledger read", () => {
  it('goes out while a read of bulk rows is in flight, instead of waiting for it', async () => {
    const { pool, pending } = heldPool();
    const ledger = new DeliveryLedger(pool, 'gw');
    const bulk = ledger.load('bulk-1');
    const queuedBehind = ledger.load('bulk-2');
    const urgent = ledger.load('critical-1', true);
    // Two statements in flight: the bulk one, and the urgent one beside it (bulk-2 waits its turn).
    expect(pending.map((p) => p.ids)).toEqual([['bulk-1'], ['critical-1']]);
    pending[1]!.answer();
    expect((await urgent)?.id).toBe('critical-1');
    pending[0]!.answer();
    expect((await bulk)?.id).toBe('bulk-1');
    await Promise.resolve();
    pending[2]!.answer();
    expect((await queuedBehind)?.id).toBe('bulk-2');
  });
});
