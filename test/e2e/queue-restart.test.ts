import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runMigrations } from 'graphile-worker';
import { startStack, type Stack } from '../support/start-stack';
import { waitFor } from '../support/wait-for';

let s: Stack;
const elsewhere = () => `${s.db.schema}_elsewhere_gw`;

beforeAll(async () => {
  s = await startStack({
    worker: { rules: [{ name: 'archive-weddings', match: { table: 'weddings', events: ['INSERT'] }, audiences: [{ type: 'endpoint', name: 'ops-archive' }] }] },
  });
});
afterAll(async () => {
  await s.db.pool.query(`drop schema if exists "${elsewhere()}" cascade`);
  await s.close();
});

describe('the delivery queue outlives another graphile-worker schema migrating in the same database', () => {
  it('alerts, shows the stop on /readyz, starts its runner again, and delivers', async () => {
    const ready = () => s.app.readiness().status !== 'not_ready';
    await waitFor(ready, { what: 'the worker ready' });
    // A fresh graphile-worker schema announces its breaking migrations to the whole database;
    // graphile-worker stops every runner that hears it, ours included.
    await runMigrations({ pgPool: s.db.pool, schema: elsewhere() });

    await waitFor(() => s.lines.some((l) => l.msg === 'delivery queue stopped on its own; restarting it' && l.alert === true), { what: 'the stop noticed' });
    expect(s.lines.find((l) => l.msg === 'delivery queue stopped on its own; restarting it')?.reason).toContain('breaking migration');
    // The first restart waits a second: long enough to see the stop where ops look.
    expect(s.app.readiness().components.queue).toMatchObject({ ready: false, state: 'stopped' });
    await waitFor(() => s.lines.some((l) => l.msg === 'delivery queue running again'), { what: 'the runner back', timeoutMs: 15_000 });
    await waitFor(ready, { what: 'the worker ready again' });
    expect(s.app.readiness().components.queue).toMatchObject({ ready: true, state: 'running' });

    s.realtime.emitChange({ table: 'weddings', type: 'INSERT', record: { id: 'w-after-restart' } });
    await waitFor(() => s.receiver.requests.some((r) => r.body.includes('w-after-restart')), { what: 'a delivery after the restart', timeoutMs: 15_000 });
  });
});
