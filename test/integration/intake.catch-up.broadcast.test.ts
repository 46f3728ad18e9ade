import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { ChangeEvent } from '../../src/intake/change-event';
import { installBroadcastStandIn } from '../support/broadcast-stand-in';
import { startIntake, type RunningIntake } from '../support/intake-harness';
import { startFakeRealtime, type FakeRealtime, type Follower } from '../support/realtime-server';
import { newOrganization, newWedding, renameWedding } from '../support/tenant-writes';
import { createTestSchema, type TestSchema } from '../support/test-db';
import { waitFor } from '../support/wait-for';

const TOPIC = 'wedsync-changes';
const STREAM = `broadcast:${TOPIC}`;

let db: TestSchema;
let messagesTable: string;
let realtime: FakeRealtime;
let followers: Follower[] = [];
let running: RunningIntake[] = [];
let org: string;

beforeAll(async () => {
  db = await createTestSchema('bcast');
  messagesTable = await installBroadcastStandIn(db.pool, db.schema, TOPIC, ['weddings']);
  org = await newOrganization(db.pool);
});
afterAll(() => db.drop());
beforeEach(async () => {
  realtime = await startFakeRealtime({ timing: 'fast' });
  followers = [await realtime.followDatabase(db.pool, { schema: db.schema }), realtime.followBroadcasts(db.pool, { table: messagesTable })];
  await db.pool.query('delete from intake_cursors');
});
afterEach(async () => {
  await Promise.all(running.map((r) => r.stop()));
  running = [];
  await Promise.all(followers.map((f) => f.stop()));
  await realtime.close();
});

async function start(mode: 'broadcast' | 'outbox' | 'table'): Promise<RunningIntake> {
  const subscription = { name: 'weddings', schema: db.schema, table: 'weddings', weddingIdColumn: 'id', mode, broadcast: { messagesTable: messagesTable.replace(/"/g, '') } };
  const r = await startIntake({ realtime, db, subscriptions: [subscription] });
  running.push(r);
  return r;
}

/** What must not depend on the way a change arrived. */
const content = (e: ChangeEvent) => ({ schema: e.schema, table: e.table, operation: e.operation, record: e.record, oldRecord: e.oldRecord, primaryKey: e.primaryKey });
const about = (r: RunningIntake, id: string) => r.events.filter((e) => e.primaryKey.id === id);

describe('broadcast mode (Broadcast from Database)', () => {
  it('hands on inserts, updates and deletes as postgres_changes and the outbox do', async () => {
    const [broadcast, outbox, table] = await Promise.all([start('broadcast'), start('outbox'), start('table')]);
    await Promise.all([broadcast, outbox, table].map((r) => r.untilLive()));
    await waitFor(() => broadcast.catchUps(STREAM).length > 0, { what: 'the first catch-up' });

    const id = await newWedding(db.pool, org, 'Broadcast couple');
    await renameWedding(db.pool, id, 'Broadcast couple, renamed');
    await db.pool.query('delete from weddings where id = $1', [id]);
    await waitFor(() => [broadcast, outbox, table].every((r) => about(r, id).length === 3), { what: 'three changes through every mode' });

    const viaBroadcast = about(broadcast, id);
    expect(viaBroadcast.map((e) => e.operation)).toEqual(['INSERT', 'UPDATE', 'DELETE']);
    expect(viaBroadcast.map((e) => e.source)).toEqual([undefined, undefined, undefined]); // live, not read back
    expect(viaBroadcast.map(content)).toEqual(about(outbox, id).map(content));
    // weddings has REPLICA IDENTITY FULL, so postgres_changes carries the whole old row too.
    expect(viaBroadcast.map(content)).toEqual(about(table, id).map(content));
    expect(viaBroadcast[1]?.oldRecord).toMatchObject({ couple_name: 'Broadcast couple' });
    expect(viaBroadcast[2]).toMatchObject({ record: null, oldRecord: { id, couple_name: 'Broadcast couple, renamed' } });
  });

  it('catches up after a drop from realtime.messages, without repeating what it had', async () => {
    const broadcast = await start('broadcast');
    await broadcast.untilLive();
    const before = await newWedding(db.pool, org, 'Before the drop');
    await waitFor(() => about(broadcast, before).length === 1, { what: 'the live insert' });

    realtime.knobs.refuseUpgrades = Infinity;
    realtime.dropSockets({ mode: 'terminate' });
    await waitFor(() => broadcast.intake.statuses()[0]?.state !== 'live', { what: 'not live' });
    const during = await newWedding(db.pool, org, 'During the drop');
    await renameWedding(db.pool, before, 'Renamed during the drop');
    await followers[1]!.settled(); // broadcast to nobody
    const catchUps = broadcast.catchUps(STREAM).length;
    realtime.knobs.refuseUpgrades = 0;

    await waitFor(() => broadcast.catchUps(STREAM).length > catchUps, { what: 'the catch-up after the drop' });
    expect(about(broadcast, during)[0]).toMatchObject({ operation: 'INSERT', source: 'catch-up', oldRecord: null });
    expect(about(broadcast, before)[1]).toMatchObject({ operation: 'UPDATE', source: 'catch-up', oldRecord: { couple_name: 'Before the drop' } });
    const ids = broadcast.ids();
    expect(ids.filter((x, i) => ids.indexOf(x) !== i)).toEqual([]);
    expect(broadcast.catchUps(STREAM).at(-1)?.recovered).toBe(2);
  });
});
