import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startStack, type Stack } from '../support/start-stack';
import { waitFor } from '../support/wait-for';

// Two replicas, one partner endpoint limited to 100 a minute: the limit is the endpoint's, not
// each replica's. Each replica alone would let 100 through; together they must still let 100.

let s: Stack;
beforeAll(async () => {
  s = await startStack({
    env: { REDIS_URL: 'redis://127.0.0.1:6379' },
    archiveRateLimit: { max: 100, perMs: 60_000, maxConcurrent: 4 },
    worker: {
      rules: [{ name: 'archive', match: { table: 'weddings', events: ['INSERT'] }, audiences: [{ type: 'endpoint', name: 'ops-archive' }] }],
      limits: { redisNamespace: `test-${randomBytes(4).toString('hex')}` },
      queue: { concurrency: 8, pollIntervalMs: 50, maxWaitingPerDestination: 2 },
    },
  });
});
afterAll(() => s.close());

describe('a rate limit shared through Redis', () => {
  it('holds 100 a minute on one endpoint across two replicas, measured at the receiver', async () => {
    const replica = await s.addReplica();
    const lines = [s.lines, replica.lines];
    for (let i = 0; i < 150; i += 1) s.realtime.emitChange({ table: 'weddings', type: 'INSERT', record: { id: `w-lim-${i}` } });
    await waitFor(() => s.receiver.requests.filter((r) => r.path === '/archive').length >= 100, { timeoutMs: 30_000, what: 'the first hundred' });
    // Both replicas are now held back by the shared reservoir: each has put work back for it.
    await waitFor(() => lines.every((l) => l.some((line) => line.msg === 'rate limit busy; put back')), { timeoutMs: 20_000, what: 'both replicas held back' });
    expect(s.receiver.requests.filter((r) => r.path === '/archive').length).toBe(100);
    // The receiver can answer the hundredth before its sender has written "delivered".
    const byStatus = async () =>
      Object.fromEntries((await s.db.pool.query<{ status: string; n: number }>(`select status, count(*)::int as n from deliveries group by status`)).rows.map((r) => [r.status, r.n]));
    await waitFor(async () => (await byStatus()).delivered === 100, { what: 'the hundredth marked delivered' });
    expect(await byStatus()).toEqual({ delivered: 100, pending: 50 });
    await replica.app.stop();
  });
});
