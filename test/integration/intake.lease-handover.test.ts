import { describe, expect, it } from '@jest/globals';
import { createPgLeaseStore } from '../../src/intake/lease-store';
import { intakeWorld } from '../support/intake-world';
import { startIntake, type RunningIntake } from '../support/intake-harness';
import { expectedOutboxIds, outboxMaxId, weddingBurst } from '../support/tenant-writes';
import { waitFor } from '../support/wait-for';

/**
 * Two intakes (the real supabase-js client against the fake Realtime server following the
 * database) on one stream, split by its lease: one decides, the other stands by; a clean stop
 * hands the stream over at once, and a holder whose lease is taken stops and cannot move the
 * cursor. The lease TTL is a minute: nothing here may wait for an expiry.
 */
const world = intakeWorld('handover', 'delete from intake_cursors; delete from intake_leases; delete from intake_replicas');

const STREAM = () => `${world.db.schema}.change_outbox`;

async function replica(holder: string): Promise<RunningIntake> {
  const r = await startIntake({
    realtime: world.realtime,
    db: world.db,
    subscriptions: [{ name: 'weddings', schema: world.db.schema, table: 'weddings', mode: 'outbox', weddingIdColumn: 'id', outbox: { pageSize: 100 } }],
    leases: { store: createPgLeaseStore(world.db.pool), holder, ttlMs: 60_000, renewEveryMs: 100 },
  });
  return world.keep(r);
}
const holds = (r: RunningIntake) => r.intake.leaseView()?.held.includes(STREAM()) ?? false;
const isLive = (r: RunningIntake) => holds(r) && r.intake.statuses().some((s) => s.state === 'live');
const leaseRow = async () => (await world.db.pool.query<{ holder: string | null; epoch: string }>('select holder, epoch::text from intake_leases where stream = $1', [STREAM()])).rows[0];

describe('an intake stream handed over between replicas', () => {
  it('one replica decides while the other stands by; a clean stop hands over at once, with no change lost', async () => {
    const a = await replica('replica-a');
    await waitFor(() => isLive(a), { what: 'a holding the stream, live' });
    const b = await replica('replica-b');
    await waitFor(() => b.intake.leaseView()?.standby.includes(STREAM()), { what: 'b standing by' });

    const from = await outboxMaxId(world.db.pool);
    await weddingBurst(world.db.pool, world.org, 300, 4, async (n) => {
      if (n !== 120) return;
      await waitFor(() => a.ids().length >= 60, { what: 'a deciding the burst' });
      await a.stop();
      // Released, not left to expire (the TTL is a minute): the row is free or b's already.
      expect(['replica-b', null]).toContain((await leaseRow())?.holder ?? null);
    });
    const expected = await expectedOutboxIds(world.db.pool, world.db.schema, 'weddings', from);
    await waitFor(() => isLive(b), { what: 'b holding the stream, live' });
    await waitFor(() => expected.every((id) => a.ids().includes(id) || b.ids().includes(id)) && !b.lag(STREAM()).catchingUp, { what: 'all 300 handed on', timeoutMs: 20_000 });

    expect(new Set(a.ids()).size).toBe(a.ids().length);
    expect(new Set(b.ids()).size).toBe(b.ids().length);
    // b started from a's saved cursor: what a had settled is not decided again.
    const twice = b.ids().filter((id) => a.ids().includes(id));
    expect(twice.length).toBeLessThan(a.ids().length);
    expect(b.lines.some((l) => l.msg === 'intake stream lease acquired' && l.stream === STREAM())).toBe(true);
    expect((await leaseRow())?.holder).toBe('replica-b');
  });

  it('a holder whose lease was taken over stops deciding, and its cursor saves are refused', async () => {
    const a = await replica('replica-a');
    await waitFor(() => isLive(a), { what: 'a holding the stream, live' });
    await weddingBurst(world.db.pool, world.org, 20, 2);
    await waitFor(() => a.ids().length >= 20, { what: 'a deciding' });
    // Another replica took the stream (as after an expiry a paused holder never saw).
    const cursor = async () => (await world.db.pool.query<{ position: unknown }>('select position from intake_cursors where name = $1', [STREAM()])).rows[0]?.position;
    await waitFor(async () => (await cursor()) !== undefined, { what: 'a cursor saved' });
    await world.db.pool.query(`update intake_leases set holder = 'replica-x', epoch = epoch + 1, expires_at = now() + interval '1 minute' where stream = $1`, [STREAM()]);
    const taken = await cursor();

    await waitFor(() => !holds(a), { what: 'a dropping the stream' });
    const decided = a.ids().length;
    await weddingBurst(world.db.pool, world.org, 20, 2);
    await world.follower.settled();
    expect(a.ids()).toHaveLength(decided);
    expect(await cursor()).toEqual(taken);
    expect(a.intake.leaseView()?.standby).toEqual([STREAM()]);
    expect(a.lines.some((l) => l.msg === 'intake stream lease lost; this replica stops deciding it')).toBe(true);
  });
});
