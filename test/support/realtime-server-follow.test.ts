/**
 * The fake Realtime server driven by real PostgreSQL rows, with the REAL supabase-js client.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { SupabaseClient } from '@supabase/supabase-js';
import { installBroadcastStandIn } from './broadcast-stand-in';
import { startFakeRealtime, waitFor, type FakeRealtime, type Follower } from './realtime-server';
import { createTestClient, watchChannel } from './realtime-server-client';
import { newOrganization, newWedding } from './tenant-writes';
import { createTestSchema, type TestSchema } from './test-db';

let db: TestSchema;
let server: FakeRealtime;
let follower: Follower;
let org: string;
const clients: SupabaseClient[] = [];

beforeAll(async () => {
  db = await createTestSchema('follow');
  org = await newOrganization(db.pool);
});
afterAll(() => db.drop());
beforeEach(async () => {
  server = await startFakeRealtime({ timing: 'fast' });
  follower = await server.followDatabase(db.pool, { schema: db.schema });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.removeAllChannels()));
  await follower.stop();
  await server.close();
});

function client(): SupabaseClient {
  const c = createTestClient(server.url);
  clients.push(c);
  return c;
}

const wire = () => server.frames({ dir: 'out', event: 'postgres_changes' }).map((f) => (f.msg!.payload as { data: Record<string, unknown> }).data);

describe('followDatabase: rows written for real become postgres_changes', () => {
  it('sends the §3.1 frames, with the old row as the replica identity allows', async () => {
    const w = watchChannel(client(), 'tables', [
      { event: '*', schema: db.schema, table: 'weddings' },
      { event: '*', schema: db.schema, table: 'vendors' },
    ]);
    await server.waitForLive('tables');
    const wedding = await newWedding(db.pool, org, 'Wire couple');
    await db.pool.query(`update weddings set venue_name = 'Barn' where id = $1`, [wedding]);
    const { rows } = await db.pool.query(`insert into vendors (organization_id, name) values ($1, 'Baker') returning id`, [org]);
    const vendor = rows[0].id as string;
    await db.pool.query(`update vendors set name = 'Bakery' where id = $1`, [vendor]);
    await db.pool.query(`delete from vendors where id = $1`, [vendor]);
    await follower.settled();
    await waitFor(() => w.changes.length === 5, { what: 'five changes' });

    const data = wire();
    expect(data.map((d) => `${String(d.table)} ${String(d.type)}`)).toEqual(['weddings INSERT', 'weddings UPDATE', 'vendors INSERT', 'vendors UPDATE', 'vendors DELETE']);
    for (const d of data) expect(d.commit_timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(data[0]).not.toHaveProperty('old_record');
    expect(data[4]).not.toHaveProperty('record');
    expect(data[0]!.columns).toEqual(expect.arrayContaining([{ name: 'id', type: 'uuid' }, { name: 'wedding_date', type: 'date' }, { name: 'updated_at', type: 'timestamptz' }]));
    // weddings is REPLICA IDENTITY FULL; vendors is DEFAULT, so only its key comes with the old row.
    expect(w.changes[1]).toMatchObject({ eventType: 'UPDATE', new: { venue_name: 'Barn' }, old: { couple_name: 'Wire couple', venue_name: null } });
    expect(w.changes[3]).toMatchObject({ eventType: 'UPDATE', new: { name: 'Bakery' }, old: { id: vendor } });
    expect(Object.keys(w.changes[3]!.old as object)).toEqual(['id']);
    expect(w.changes[4]).toMatchObject({ eventType: 'DELETE', new: {}, old: { id: vendor } });
  });

  it('also streams the outbox itself, INSERTs only', async () => {
    const w = watchChannel(client(), 'outbox', [{ event: 'INSERT', schema: db.schema, table: 'change_outbox' }]);
    await server.waitForLive('outbox');
    const wedding = await newWedding(db.pool, org, 'Outbox couple');
    await follower.settled();
    await waitFor(() => w.changes.length === 1, { what: 'the outbox INSERT' });
    expect(w.changes[0]).toMatchObject({
      table: 'change_outbox',
      eventType: 'INSERT',
      new: { source_table: 'weddings', operation: 'INSERT', record: { id: wedding, couple_name: 'Outbox couple' }, old_record: null },
    });
  });

  it('sends nothing to a client that is away or not yet live: a change then is lost to it', async () => {
    server.knobs.systemDelayMs = 60_000; // joined, never live in this test
    const w = watchChannel(client(), 'not-live', [{ event: '*', schema: db.schema, table: 'weddings' }]);
    await waitFor(() => w.count('SUBSCRIBED') === 1, { what: 'joined' });
    await newWedding(db.pool, org, 'Unseen couple');
    await follower.settled();
    expect(server.joinedChannels('not-live')[0]?.[1].live).toBe(false);
    expect(wire()).toEqual([]);
    expect(w.changes).toEqual([]);
  });
});

describe('followDatabase: like the real poller', () => {
  it('pushes at most 100 rows a poll by default, and polls again at once after a poll that found rows', async () => {
    await follower.stop();
    await server.close();
    server = await startFakeRealtime(); // production timing
    follower = await server.followDatabase(db.pool, { schema: db.schema });
    const w = watchChannel(client(), 'batched', [{ event: 'INSERT', schema: db.schema, table: 'change_outbox' }]);
    await server.waitForLive('batched', { timeoutMs: 5_000 });
    // The rows are written under a lock the next poll waits on; once it waits, the idle interval
    // is made longer than the test: the three polls of the 250 rows must follow one another at
    // once, as Realtime's do, or the test times out.
    const writer = await db.pool.connect();
    try {
      await writer.query('begin');
      await writer.query('lock table change_outbox in access exclusive mode');
      await writer.query(`insert into vendors (organization_id, name) select $1, 'V' || g from generate_series(1, 250) g`, [org]);
      await waitFor(
        async () => {
          const { rows } = await db.pool.query(`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like '%change_outbox o%'`);
          return rows.length > 0;
        },
        { what: 'the next poll waiting on the lock' },
      );
      server.knobs.pollIdleIntervalMs = 600_000;
      await writer.query('commit');
    } finally {
      writer.release();
    }
    await waitFor(() => w.changes.length === 250, { what: '250 outbox rows', timeoutMs: 5_000 });
    expect(follower.batches).toEqual([100, 100, 50]);
  }, 20_000);

  it('stamps the commit time, not the time the transaction wrote the row', async () => {
    const w = watchChannel(client(), 'commit', [{ event: 'INSERT', schema: db.schema, table: 'vendors' }]);
    await server.waitForLive('commit');
    const tx = await db.pool.connect();
    try {
      await tx.query('begin');
      await tx.query(`insert into vendors (organization_id, name) values ($1, 'Late committer')`, [org]);
      await tx.query('select pg_sleep(0.3)');
      await tx.query('commit');
    } finally {
      tx.release();
    }
    const { rows } = await db.pool.query<{ written: Date; committed_by: Date }>(
      `select changed_at as written, clock_timestamp() as committed_by from change_outbox where source_table = 'vendors' order by id desc limit 1`,
    );
    await follower.settled();
    await waitFor(() => w.changes.length === 1, { what: 'the vendor INSERT' });
    const stamped = Date.parse(String(w.changes[0]!.commit_timestamp));
    expect(stamped - rows[0]!.written.getTime()).toBeGreaterThanOrEqual(300);
    expect(stamped).toBeGreaterThanOrEqual(rows[0]!.committed_by.getTime() - 1_000); // not a stale time either
  });

  it('pushes rows in commit order, a lower id committed later going out later', async () => {
    const w = watchChannel(client(), 'order', [{ event: 'INSERT', schema: db.schema, table: 'vendors' }]);
    await server.waitForLive('order');
    const early = await db.pool.connect();
    try {
      await early.query('begin');
      await early.query(`insert into vendors (organization_id, name) values ($1, 'First id, committed last')`, [org]);
      await db.pool.query(`insert into vendors (organization_id, name) values ($1, 'Second id, committed first')`, [org]);
      await waitFor(() => w.changes.length === 1, { what: 'the first commit' });
      await early.query('commit');
    } finally {
      early.release();
    }
    await follower.settled();
    await waitFor(() => w.changes.length === 2, { what: 'both commits' });
    expect(w.changes.map((c) => (c.new as { name: string }).name)).toEqual(['Second id, committed first', 'First id, committed last']);
  });
});

describe('followBroadcasts: a stand-in realtime.messages becomes Broadcast from Database', () => {
  it('says when replication is ready, then broadcasts each message with its id as meta.id', async () => {
    const table = await installBroadcastStandIn(db.pool, db.schema, 'follow-topic', ['wedding_alerts']);
    const broadcasts = server.followBroadcasts(db.pool, { table });
    try {
      const wedding = await newWedding(db.pool, org, 'Alerted couple');
      const received: Array<Record<string, unknown>> = [];
      const system: Array<Record<string, unknown>> = [];
      const channel = client().channel('follow-topic', { config: { private: true, broadcast: { replication_ready: true } } });
      channel.on('broadcast', { event: '*' }, (p) => received.push(p));
      channel.on('system', {}, (p: Record<string, unknown>) => system.push(p));
      channel.subscribe();
      await server.waitForLive('follow-topic');
      await waitFor(() => system.length > 0, { what: 'the system message' });
      expect(system).toEqual([{ extension: 'system', status: 'ok', message: 'Replication connection established', channel: 'follow-topic' }]);

      await db.pool.query(`insert into wedding_alerts (organization_id, wedding_id, severity, message) values ($1, $2, 'emergency', 'Venue flooded')`, [org, wedding]);
      await broadcasts.settled();
      await waitFor(() => received.length === 1, { what: 'one broadcast' });
      const { rows } = await db.pool.query(`select id::text as id from ${table}`);
      expect(received[0]).toMatchObject({
        type: 'broadcast',
        event: 'INSERT',
        meta: { id: rows[0].id },
        payload: { id: rows[0].id, operation: 'INSERT', table: 'wedding_alerts', schema: db.schema, record: { message: 'Venue flooded' }, old_record: null },
      });
      expect(server.frames({ dir: 'out' }).some((f) => f.text.startsWith('<binary kind=4'))).toBe(true);
    } finally {
      await broadcasts.stop();
    }
  });
});
