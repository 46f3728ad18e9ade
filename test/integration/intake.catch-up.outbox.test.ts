import { describe, expect, it } from '@jest/globals';
import { intakeWorld } from '../support/intake-world';
import { startIntake, type RunningIntake } from '../support/intake-harness';
import { expectedOutboxIds, newWedding, outboxMaxId, weddingBurst } from '../support/tenant-writes';
import { waitFor } from '../support/wait-for';

const world = intakeWorld('outbox');

const STREAM = () => `${world.db.schema}.change_outbox`;
const weddingsViaOutbox = () => [{ name: 'weddings', schema: world.db.schema, table: 'weddings', mode: 'outbox', weddingIdColumn: 'id', outbox: { pageSize: 100 } }];

async function start(intake?: Record<string, unknown>): Promise<RunningIntake> {
  const r = await startIntake({ realtime: world.realtime, db: world.db, subscriptions: weddingsViaOutbox(), ...(intake ? { intake } : {}) });
  return world.keep(r);
}

function duplicates(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  return ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
}

describe('outbox mode catches up on every transition to live', () => {
  it('hands on every one of 1,000 changes exactly once across three socket drops', async () => {
    const from = await outboxMaxId(world.db.pool);
    const intake = await start();
    await intake.untilLive();
    const drops = new Set([150, 450, 750]);
    let dropped = 0;
    let lastDrop = 0;
    let recovered: Promise<unknown> = Promise.resolve();
    await weddingBurst(world.db.pool, world.org, 1_000, 4, async (n) => {
      if (drops.has(n)) {
        await recovered;
        await intake.untilLive();
        // The server's side too: a drop must find the socket it is meant to drop.
        await world.realtime.waitForLive();
        // Refusing the first reconnect keeps the socket down while the next 100 changes are made.
        world.realtime.knobs.refuseUpgrades = 1;
        dropped += world.realtime.dropSockets({ mode: 'terminate' });
        lastDrop = n;
        recovered = waitFor(() => intake.intake.statuses()[0]?.state !== 'live', { what: 'the drop noticed' }).then(() => intake.untilLive());
      } else if (lastDrop > 0 && n > lastDrop + 100) {
        await recovered;
      }
    });
    expect(dropped).toBe(3);
    const expected = await expectedOutboxIds(world.db.pool, world.db.schema, 'weddings', from);
    expect(expected).toHaveLength(1_000);
    await waitFor(() => new Set(intake.ids()).size >= expected.length && !intake.lag(STREAM()).catchingUp, { what: '1,000 changes handed on', timeoutMs: 20_000 });

    expect(duplicates(intake.ids())).toEqual([]);
    expect(new Set(intake.ids())).toEqual(new Set(expected));
    // Live at least four times (the start, then after each drop; a rejoin racing a reconnect can
    // add one). A transition during a catch-up run queues one more run, not one each.
    expect(intake.lines.filter((l) => l.msg === 'subscription live').length).toBeGreaterThanOrEqual(4);
    const catchUps = intake.catchUps(STREAM());
    expect(catchUps.length).toBeGreaterThanOrEqual(2);
    // Some changes were made while no channel was live: only catch-up can have handed them on.
    expect(catchUps.reduce((sum, c) => sum + c.recovered, 0)).toBeGreaterThan(0);
    expect(intake.events.every((e) => e.table === 'weddings' && e.subscription === 'weddings')).toBe(true);
  });

  it('hands on rows changed between SUBSCRIBED and "Subscribed to PostgreSQL"', async () => {
    world.realtime.knobs.systemMessage = 'never'; // held in the gap until subscribeNow()
    const intake = await start();
    await waitFor(() => intake.intake.statuses()[0]?.state === 'subscribed', { what: 'joined, not yet live' });
    const from = await outboxMaxId(world.db.pool);
    const inGap = await Promise.all([1, 2, 3].map((i) => newWedding(world.db.pool, world.org, `Gap couple ${i}`)));
    const expected = await expectedOutboxIds(world.db.pool, world.db.schema, 'weddings', from);
    await world.follower.settled(); // pushed to nobody: the channel is not live
    expect(intake.intake.statuses()[0]?.state).toBe('subscribed');
    expect(world.realtime.subscribeNow()).toBe(1);
    await intake.untilLive();
    await waitFor(() => expected.every((id) => intake.ids().includes(id)), { what: 'the gap rows handed on' });

    const handed = intake.events.filter((e) => expected.includes(e.id));
    expect(handed.map((e) => e.primaryKey.id).sort()).toEqual([...inGap].sort());
    expect(handed.every((e) => e.source === 'catch-up' && e.operation === 'INSERT')).toBe(true);
  });

  it('resumes after a stop from its saved cursor: all 200 changes, none handed on before', async () => {
    const first = await start();
    await first.untilLive();
    const startedAt = await outboxMaxId(world.db.pool);
    await weddingBurst(world.db.pool, world.org, 50, 2);
    const before = await expectedOutboxIds(world.db.pool, world.db.schema, 'weddings', startedAt);
    await waitFor(() => before.every((id) => first.ids().includes(id)), { what: 'the first 50 handed on' });
    await first.stop();

    const stoppedAt = await outboxMaxId(world.db.pool);
    await weddingBurst(world.db.pool, world.org, 200, 4);
    const missed = await expectedOutboxIds(world.db.pool, world.db.schema, 'weddings', stoppedAt);
    expect(missed).toHaveLength(200);

    const second = await start(); // a new RealtimeSource and a new, empty dedupe window
    await second.untilLive();
    await waitFor(() => new Set(second.ids()).size >= 200 && !second.lag(STREAM()).catchingUp, { what: '200 changes handed on' });
    expect(new Set(second.ids())).toEqual(new Set(missed));
    expect(duplicates(second.ids())).toEqual([]);
    expect(second.ids().filter((id) => first.ids().includes(id))).toEqual([]);
    expect(second.catchUps(STREAM())[0]?.recovered).toBe(200);
    const logged = second.lines.find((l) => l.msg === 'catch-up done');
    expect(logged).toMatchObject({ level: 'info', subscription: STREAM(), recovered: 200, fromCursor: expect.stringMatching(/^id>\d+/), toCursor: expect.stringMatching(/^id>\d+/) });
    expect(typeof logged?.ms).toBe('number');
  });

  it('hands on a DELETE made while disconnected, with the whole old row', async () => {
    const intake = await start();
    await intake.untilLive();
    const id = await newWedding(world.db.pool, world.org, 'Soon cancelled');
    await waitFor(() => intake.events.some((e) => e.primaryKey.id === id), { what: 'the insert handed on' });

    world.realtime.knobs.refuseUpgrades = Infinity;
    world.realtime.dropSockets({ mode: 'terminate' });
    await waitFor(() => intake.intake.statuses()[0]?.state !== 'live', { what: 'not live' });
    await world.db.pool.query('delete from weddings where id = $1', [id]);
    await world.follower.settled(); // pushed to nobody: no channel was live
    world.realtime.knobs.refuseUpgrades = 0;

    const deleted = await waitFor(() => intake.events.find((e) => e.primaryKey.id === id && e.operation === 'DELETE'), { what: 'the DELETE handed on' });
    expect(deleted).toMatchObject({ table: 'weddings', schema: world.db.schema, record: null, source: 'catch-up', subscription: 'weddings' });
    expect(deleted.oldRecord).toMatchObject({ id, organization_id: world.org, couple_name: 'Soon cancelled', wedding_date: '2027-06-12' });
  });
});
