import { describe, expect, it } from '@jest/globals';
import { workerConfigSchema } from '../../src/config/worker-config.schema';
import { tableCatchUpOf } from '../../src/intake/intake-settings';
import type { DriverItem } from '../../src/intake/stream-driver';
import { createTableDriver } from '../../src/intake/table-driver';
import { intakeWorld } from '../support/intake-world';
import { startIntake, type RunningIntake } from '../support/intake-harness';
import { epochMicrosSql, expectedVersionedEventId } from '../support/expected-ids';
import { newWedding, renameWedding, weddingBurst } from '../support/tenant-writes';
import { waitFor } from '../support/wait-for';

const world = intakeWorld('tablecu');

const weddings = () => ({ name: 'weddings', schema: world.db.schema, table: 'weddings', weddingIdColumn: 'id', catchUp: { overlapMs: 2_000, pageSize: 50 } });

async function start(): Promise<RunningIntake> {
  const r = await startIntake({ realtime: world.realtime, db: world.db, subscriptions: [weddings()] });
  return world.keep(r);
}

/** The id each wedding's newest version must have been handed on with. */
async function newestVersionIds(since: string): Promise<Map<string, string>> {
  const { rows } = await world.db.pool.query<{ id: string; micros: string; inserted: boolean }>(
    `select id, ${epochMicrosSql('updated_at')} as micros, created_at = updated_at as inserted from weddings where updated_at > $1::timestamptz`,
    [since],
  );
  return new Map(rows.map((r) => [r.id, expectedVersionedEventId(world.db.schema, 'weddings', r.inserted ? 'INSERT' : 'UPDATE', { id: r.id }, r.micros)]));
}

async function dbNow(): Promise<string> {
  const { rows } = await world.db.pool.query<{ now: string }>(`select to_jsonb(clock_timestamp()) #>> '{}' as now`);
  return rows[0]!.now;
}

const duplicates = (ids: readonly string[]) => ids.filter((id, i) => ids.indexOf(id) !== i);

describe('table mode catches up by updated_at', () => {
  it('hands on the newest version of every row across socket drops, no id twice', async () => {
    const since = await dbNow();
    const intake = await start();
    await intake.untilLive();
    let recovered: Promise<unknown> = Promise.resolve();
    let lastDrop = 0;
    await weddingBurst(world.db.pool, world.org, 300, 3, async (n) => {
      if (n === 100 || n === 200) {
        await recovered;
        await intake.untilLive();
        world.realtime.knobs.refuseUpgrades = 1;
        world.realtime.dropSockets({ mode: 'terminate' });
        lastDrop = n;
        recovered = waitFor(() => intake.intake.statuses()[0]?.state !== 'live').then(() => intake.untilLive());
      } else if (lastDrop > 0 && n > lastDrop + 40) {
        await recovered;
      }
    });
    const expected = await newestVersionIds(since);
    await waitFor(() => [...expected.values()].every((id) => intake.ids().includes(id)) && !intake.lag('weddings').catchingUp, {
      what: 'the newest version of every row',
      timeoutMs: 15_000,
    });
    expect(duplicates(intake.ids())).toEqual([]);
    expect(intake.catchUps('weddings').reduce((sum, c) => sum + c.recovered, 0)).toBeGreaterThan(0);
  });

  it('hands on rows changed between SUBSCRIBED and "Subscribed to PostgreSQL", as catch-up INSERTs', async () => {
    world.realtime.knobs.systemMessage = 'never'; // held in the gap until subscribeNow()
    const intake = await start();
    await waitFor(() => intake.intake.statuses()[0]?.state === 'subscribed', { what: 'joined, not yet live' });
    const ids = await Promise.all([1, 2].map((i) => newWedding(world.db.pool, world.org, `Gap couple ${i}`)));
    await world.follower.settled(); // pushed to nobody: the channel is not live
    expect(intake.intake.statuses()[0]?.state).toBe('subscribed');
    expect(world.realtime.subscribeNow()).toBe(1);
    await intake.untilLive();
    await waitFor(() => ids.every((id) => intake.events.some((e) => e.primaryKey.id === id)), { what: 'the gap rows handed on' });
    const handed = intake.events.filter((e) => ids.includes(String(e.primaryKey.id)));
    expect(handed.map((e) => [e.operation, e.source, e.oldRecord])).toEqual([
      ['INSERT', 'catch-up', null],
      ['INSERT', 'catch-up', null],
    ]);
  });

  it('resumes after a stop without handing on again what it handed before', async () => {
    const first = await start();
    await first.untilLive();
    const before = await Promise.all([1, 2, 3, 4, 5].map((i) => newWedding(world.db.pool, world.org, `Before ${i}`)));
    await waitFor(() => before.every((id) => first.events.some((e) => e.primaryKey.id === id)), { what: 'the first rows handed on' });
    await first.stop();

    const since = await dbNow();
    await weddingBurst(world.db.pool, world.org, 200, 4);
    const missed = await newestVersionIds(since);

    const second = await start();
    await second.untilLive();
    await waitFor(() => [...missed.values()].every((id) => second.ids().includes(id)) && !second.lag('weddings').catchingUp, { what: 'the missed rows' });
    // The catch-up re-read the overlap, which holds the first run's rows: the saved cursor knew them.
    expect(second.ids().filter((id) => first.ids().includes(id))).toEqual([]);
    expect(new Set(second.ids())).toEqual(new Set(missed.values()));
  });

  it('gives a row version the same id live and read back, and marks what catch-up cannot know', async () => {
    const intake = await start();
    await intake.untilLive();
    // Otherwise the first catch-up may read the row before Realtime pushes it, and win.
    await waitFor(() => intake.catchUps('weddings').length > 0, { what: 'the first catch-up' });
    const id = await newWedding(world.db.pool, world.org, 'Same id both ways');
    await renameWedding(world.db.pool, id, 'Same id, renamed');
    const live = await waitFor(() => intake.events.find((e) => e.primaryKey.id === id && e.operation === 'UPDATE'), { what: 'the live UPDATE' });
    expect(live.source).toBeUndefined();
    expect(live.oldRecord).toMatchObject({ couple_name: 'Same id both ways' });

    const subscription = workerConfigSchema.parse({ subscriptions: [weddings()] }).subscriptions[0]!;
    const driver = createTableDriver(world.db.pool, subscription, tableCatchUpOf(subscription)).catchUp!;
    await driver.open({ at: null, recent: [] });
    const read: DriverItem<unknown>[] = [];
    for await (const page of driver.pages()) read.push(...page);
    const again = read.map((i) => i.routed).find((r) => r.kind === 'event' && r.event.primaryKey.id === id);
    expect(again?.kind === 'event' && again.event).toMatchObject({ id: live.id, operation: 'UPDATE', record: live.record, oldRecord: null, source: 'catch-up' });
  });
});
