/**
 * Drives the REAL @supabase/supabase-js 2.119.0 client against the fake Realtime server.
 * Every wait is on a condition (server state or recorded client callbacks), never a fixed sleep.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { SupabaseClient } from '@supabase/supabase-js';
import { startFakeRealtime, TOKEN_EXPIRED_MESSAGE, waitFor, type FakeRealtime } from './realtime-server';
import { createTestClient, watchChannel, type PgFilter, type TestClientOptions, type WatchedChannel } from './realtime-server-client';

const JOBS: PgFilter = { event: '*', schema: 'public', table: 'jobs' };
const HEARTBEAT_MS = 250;

let server: FakeRealtime;
const clients: SupabaseClient[] = [];

function makeClient(opts: TestClientOptions = {}): SupabaseClient {
  const supabase = createTestClient(server.url, { heartbeatIntervalMs: HEARTBEAT_MS, ...opts });
  clients.push(supabase);
  return supabase;
}

const watch = (supabase: SupabaseClient, name: string, bindings: PgFilter[] = [JOBS]): WatchedChannel =>
  watchChannel(supabase, name, bindings);

const until = (what: string, predicate: () => unknown, timeoutMs = 4000): Promise<unknown> =>
  waitFor(predicate, { timeoutMs, what });

beforeEach(async () => {
  server = await startFakeRealtime({ timing: 'fast' });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.removeAllChannels()));
  await server.close();
});

describe('fake Realtime server with the real supabase-js client', () => {
  it('happy path: SUBSCRIBED, system message, INSERT/UPDATE/DELETE payloads', async () => {
    const w = watch(makeClient(), 'jobs-watch');
    await until('SUBSCRIBED', () => w.count('SUBSCRIBED') === 1);
    await server.waitForLive('jobs-watch');
    await until('system message', () => w.system.length === 1);
    expect(w.system[0]).toEqual({ extension: 'postgres_changes', status: 'ok', message: 'Subscribed to PostgreSQL', channel: 'jobs-watch' });

    const conn = server.openSockets()[0];
    expect(conn?.info).toMatchObject({ vsn: '2.0.0', apikey: 'test-anon-key', path: '/realtime/v1/websocket' });
    const [reply] = server.frames({ dir: 'out', event: 'phx_reply' });
    const ids = server.bindingIds('jobs-watch');
    expect(reply?.msg?.payload).toEqual({ status: 'ok', response: { postgres_changes: [{ ...JOBS, id: ids[0] }] } });

    const ts = new Date('2026-11-25T04:50:00.123Z');
    expect(server.emitChange({ table: 'jobs', type: 'INSERT', record: { id: 7, status: 'queued', meta: { a: 1 } }, commitTimestamp: ts })).toBe(1);
    expect(server.emitChange({ table: 'jobs', type: 'UPDATE', record: { id: 7, status: 'done' }, oldRecord: { id: 7 }, commitTimestamp: ts })).toBe(1);
    expect(server.emitChange({ table: 'jobs', type: 'DELETE', oldRecord: { id: 7 }, commitTimestamp: ts })).toBe(1);
    expect(server.emitChange({ table: 'other', type: 'INSERT', record: { id: 1 } })).toBe(0);
    await until('3 changes', () => w.changes.length === 3);
    const base = { schema: 'public', table: 'jobs', commit_timestamp: '2026-11-25T04:50:00.123Z', errors: null };
    expect(w.changes).toEqual([
      { ...base, eventType: 'INSERT', new: { id: 7, status: 'queued', meta: { a: 1 } }, old: {} },
      { ...base, eventType: 'UPDATE', new: { id: 7, status: 'done' }, old: { id: 7 } },
      { ...base, eventType: 'DELETE', new: {}, old: { id: 7 } },
    ]);
    // Wire shape: INSERT carries no old_record, DELETE no record.
    const pushes = server.frames({ dir: 'out', event: 'postgres_changes' }).map((f) => f.msg?.payload as { data: Record<string, unknown> });
    expect(Object.keys(pushes[0]?.data ?? {})).not.toContain('old_record');
    expect(Object.keys(pushes[2]?.data ?? {})).not.toContain('record');
    expect(pushes[0]?.data.columns).toEqual([{ name: 'id', type: 'int8' }, { name: 'status', type: 'text' }, { name: 'meta', type: 'jsonb' }]);

    await until('a heartbeat round trip', () => server.stats.heartbeats >= 1 && server.frames({ dir: 'out' }).some((f) => f.msg?.topic === 'phoenix'));
  });

  it('routes by event and eq filter, and drops stale join_refs and unknown ids on the client', async () => {
    const w = watch(makeClient(), 'filtered', [
      { event: 'UPDATE', schema: 'public', table: 'jobs', filter: 'status=eq.done' },
      { event: 'INSERT', schema: 'public', table: 'jobs' },
    ]);
    await server.waitForLive('filtered');
    expect(server.emitChange({ table: 'jobs', type: 'UPDATE', record: { id: 1, status: 'queued' }, oldRecord: { id: 1 } })).toBe(0);
    expect(server.emitChange({ table: 'jobs', type: 'DELETE', oldRecord: { id: 1 } })).toBe(0);
    const [updateId, insertId] = server.bindingIds('filtered');
    const data = { schema: 'public', table: 'jobs', commit_timestamp: null, type: 'INSERT', columns: [], record: { id: 2 }, errors: null };
    server.pushFrame(['9999', null, 'realtime:filtered', 'postgres_changes', { ids: [insertId], data }]); // outdated join_ref
    server.pushFrame([null, null, 'realtime:filtered', 'postgres_changes', { ids: [123], data }]); // unknown id
    expect(server.emitChange({ table: 'jobs', type: 'UPDATE', record: { id: 1, status: 'done' }, oldRecord: { id: 1 } })).toBe(1);
    await until('the matching update', () => w.changes.length >= 1);
    expect(w.changes).toHaveLength(1);
    expect(w.changes[0]).toMatchObject({ eventType: 'UPDATE', new: { status: 'done' } });
    expect(updateId).not.toBe(insertId);

    // Malformed-but-survivable payload: the reduced "Error 401" shape reaches the callback as-is.
    const errorData = { schema: 'public', table: 'jobs', commit_timestamp: null, type: 'INSERT', columns: [], record: {}, errors: ['Error 401: Unauthorized'] };
    expect(server.pushRawChange('jobs', errorData)).toBe(1);
    await until('the error payload', () => w.changes.length === 2);
    expect(w.changes[1]).toMatchObject({ eventType: 'INSERT', new: {}, errors: ['Error 401: Unauthorized'], commit_timestamp: null });
  });

  it('does not deliver a change emitted before the feed is live', async () => {
    server.knobs.systemDelayMs = 10_000;
    const w = watch(makeClient(), 'early');
    await until('SUBSCRIBED', () => w.count('SUBSCRIBED') === 1);
    expect(server.emitChange({ table: 'jobs', type: 'INSERT', record: { id: 1 } })).toBe(0);
    expect(server.liveTopics()).toEqual([]);

    // Re-join so the (now short) system delay applies; SUBSCRIBED fires again on every join.
    server.knobs.systemDelayMs = 20;
    server.phxError('early');
    await server.waitForLive('early');
    expect(server.emitChange({ table: 'jobs', type: 'INSERT', record: { id: 2 } })).toBe(1);
    await until('the live change', () => w.changes.length === 1);
    expect(w.changes[0]).toMatchObject({ new: { id: 2 } });
    expect(w.statuses.map((s) => s.status)).toEqual(['SUBSCRIBED', 'CHANNEL_ERROR', 'SUBSCRIBED']);
    expect(w.statuses[1]?.message).toBe('channel error: transport failure');
  });

  it('socket drop: CHANNEL_ERROR 1006, reconnect, SUBSCRIBED again, changes in the gap are lost', async () => {
    const w = watch(makeClient(), 'drop');
    await server.waitForLive('drop');
    const firstJoinRef = server.currentJoinRef('drop');
    const firstIds = server.bindingIds('drop');
    server.knobs.refuseUpgrades = 1; // keep the client away for one reconnect attempt
    expect(server.dropSockets({ mode: 'terminate' })).toBe(1);
    await until('CHANNEL_ERROR', () => w.count('CHANNEL_ERROR') === 1);
    expect(w.statuses[1]).toMatchObject({ status: 'CHANNEL_ERROR', message: 'socket closed: 1006' });
    expect(server.emitChange({ table: 'jobs', type: 'INSERT', record: { id: 1 } })).toBe(0);
    await server.waitForConnections(2);
    await until('second SUBSCRIBED', () => w.count('SUBSCRIBED') === 2);
    await server.waitForLive('drop');
    expect(server.currentJoinRef('drop')).not.toBe(firstJoinRef);
    expect(server.bindingIds('drop')).toEqual(firstIds); // ids are stable per param map
    expect(server.emitChange({ table: 'jobs', type: 'INSERT', record: { id: 2 } })).toBe(1);
    await until('post-reconnect change', () => w.changes.length === 1);
    expect(w.changes[0]).toMatchObject({ new: { id: 2 } });
  });

  it('clean close with a code, and serverRequestedDisconnect, both reconnect', async () => {
    const w = watch(makeClient(), 'closes');
    await server.waitForLive('closes');
    server.dropSockets({ mode: 'close', code: 1011, reason: 'boom' });
    await until('second SUBSCRIBED', () => w.count('SUBSCRIBED') === 2);
    expect(w.statuses[1]?.message).toBe('socket closed: 1011 (boom)');
    server.serverRequestedDisconnect();
    await until('third SUBSCRIBED', () => w.count('SUBSCRIBED') === 3);
    expect(w.system.map((s) => s.message)).toContain('Server requested disconnect');
    expect(server.stats.connections).toBe(3);
  });

  it('refused joins: CHANNEL_ERROR with the reason, recovers when cleared', async () => {
    server.knobs.refuseJoins = Infinity;
    const w = watch(makeClient(), 'refused');
    await server.waitForJoins(3, 'refused');
    expect(w.statuses[0]).toEqual({ status: 'CHANNEL_ERROR', message: 'RealtimeRestarting: Realtime is restarting, please standby' });
    expect(w.count('SUBSCRIBED')).toBe(0);
    server.knobs.refuseJoins = 0;
    await until('SUBSCRIBED', () => w.count('SUBSCRIBED') === 1);
    await server.waitForLive('refused');

    // Counting form with a custom reason: the next join only (forced by phx_error).
    server.knobs.refuseJoins = 1;
    server.knobs.refuseJoinReason = 'ChannelRateLimitReached: Too many channels';
    server.phxError('refused');
    await until('SUBSCRIBED again', () => w.count('SUBSCRIBED') === 2);
    expect(w.statuses.map((s) => s.message)).toContain('ChannelRateLimitReached: Too many channels');
  });

  it('swallowed join: TIMED_OUT, phx_leave for that join_ref, then SUBSCRIBED on rejoin', async () => {
    server.knobs.swallowJoins = 1;
    const w = watch(makeClient(), 'swallow');
    await until('TIMED_OUT', () => w.count('TIMED_OUT') === 1);
    await until('SUBSCRIBED', () => w.count('SUBSCRIBED') === 1);
    const [firstJoin] = server.received('phx_join', 'swallow');
    expect(server.received('phx_leave', 'swallow')[0]?.joinRef).toBe(firstJoin?.joinRef);
    expect(w.statuses.map((s) => s.status)).toEqual(['TIMED_OUT', 'SUBSCRIBED']);
  });

  it('binding mismatch: CLOSED then CHANNEL_ERROR mismatch, terminal', async () => {
    server.knobs.mismatchBindings = 1;
    const supabase = makeClient();
    const w = watch(supabase, 'mismatch');
    await until('CHANNEL_ERROR', () => w.count('CHANNEL_ERROR') === 1);
    expect(w.statuses).toEqual([
      { status: 'CLOSED' },
      { status: 'CHANNEL_ERROR', message: 'mismatch between server and client bindings for postgres changes' },
    ]);
    await until('phx_leave', () => server.stats.leaves === 1);
    expect(supabase.getChannels()).toHaveLength(0);
    expect(server.joinCount('mismatch')).toBe(1);
  });

  // Heartbeat-timeout tests need reconnectMs ≥ 200: see TestClientOptions.reconnectMs.
  it('black-holed heartbeats: CHANNEL_ERROR "heartbeat timeout", then reconnect', async () => {
    const w = watch(makeClient({ reconnectMs: 200 }), 'hb');
    await server.waitForLive('hb');
    server.knobs.heartbeat = 'drop';
    await until('heartbeat timeout', () => w.count('CHANNEL_ERROR') === 1);
    expect(w.statuses[1]?.message).toBe('heartbeat timeout');
    server.knobs.heartbeat = 'reply';
    await until('second SUBSCRIBED', () => w.count('SUBSCRIBED') === 2);
    expect(server.connections[0]?.closeCode).toBe(1000);
    expect(server.stats.connections).toBe(2);
  });

  it('full black-hole mode (TCP open, nothing answered) is detected by the heartbeat timeout too', async () => {
    const w = watch(makeClient({ reconnectMs: 200 }), 'bh');
    await server.waitForLive('bh');
    server.knobs.blackHole = true;
    await until('heartbeat timeout', () => w.count('CHANNEL_ERROR') === 1);
    expect(w.statuses[1]?.message).toBe('heartbeat timeout');
    expect(server.emitChange({ table: 'jobs', type: 'INSERT', record: { id: 1 } })).toBe(0);
    server.knobs.blackHole = false;
    await until('second SUBSCRIBED', () => w.count('SUBSCRIBED') === 2);
  });

  it('heartbeat error replies are only reported; a reply later than the interval is a timeout', async () => {
    const beats: string[] = [];
    const w = watch(makeClient({ reconnectMs: 200, heartbeatCallback: (s) => beats.push(s) }), 'hberr');
    await server.waitForLive('hberr');
    server.knobs.heartbeat = 'error';
    await until('two error heartbeats', () => beats.filter((b) => b === 'error').length >= 2);
    expect(w.count('CHANNEL_ERROR')).toBe(0);
    expect(server.stats.connections).toBe(1);

    server.knobs.heartbeat = 'reply';
    server.knobs.heartbeatDelayMs = HEARTBEAT_MS + 100;
    await until('heartbeat timeout', () => w.count('CHANNEL_ERROR') === 1);
    expect(w.statuses.at(-1)?.message).toBe('heartbeat timeout');
    server.knobs.heartbeatDelayMs = 0;
    await until('second SUBSCRIBED', () => w.count('SUBSCRIBED') === 2);
    expect(beats).toContain('timeout');
  });

  it('idle timeout closes a connection that stays silent longer than idleTimeoutMs', async () => {
    server.knobs.idleTimeoutMs = HEARTBEAT_MS / 2; // shorter than the client's heartbeat gap
    const w = watch(makeClient(), 'idle');
    await until('CHANNEL_ERROR', () => w.count('CHANNEL_ERROR') >= 1);
    expect(w.statuses.find((s) => s.status === 'CHANNEL_ERROR')?.message).toBe('socket closed: 1000 (idle timeout)');
    server.knobs.idleTimeoutMs = null;
    await until('settled SUBSCRIBED', () => w.count('SUBSCRIBED') >= 2 && w.statuses.at(-1)?.status === 'SUBSCRIBED');
  });

  it('stale buffered join after a failed first connect is superseded by the fresh join', async () => {
    await server.goDown();
    const w = watch(makeClient(), 'stale');
    await until('CHANNEL_ERROR while down', () => w.count('CHANNEL_ERROR') === 1);
    await server.comeBack();
    await until('SUBSCRIBED', () => w.count('SUBSCRIBED') === 1);
    await server.waitForLive('stale');
    const joins = server.received('phx_join', 'stale');
    expect(server.stats.connections).toBe(1);
    expect(joins.length).toBe(2); // the buffered original, then the rejoin, on one socket
    expect(server.currentJoinRef('stale')).toBe(joins[1]?.joinRef);
    expect(server.emitChange({ table: 'jobs', type: 'INSERT', record: { id: 1 } })).toBe(1);
    await until('change', () => w.changes.length === 1);
  });

  it('server phx_close after a system error: CLOSED, no rejoin', async () => {
    const supabase = makeClient();
    const w = watch(supabase, 'closed');
    await server.waitForLive('closed');
    expect(server.closeChannel('closed', { systemError: TOKEN_EXPIRED_MESSAGE })).toBe(1);
    await until('CLOSED', () => w.count('CLOSED') === 1);
    expect(w.system.at(-1)).toEqual({ extension: 'system', status: 'error', message: TOKEN_EXPIRED_MESSAGE, channel: 'closed' });
    expect(supabase.getChannels()).toHaveLength(0);
    expect(server.joinCount('closed')).toBe(1);
  });

  it('access_token events are recorded; the expiry knob closes the channel', async () => {
    const supabase = makeClient();
    const w = watch(supabase, 'token');
    await server.waitForLive('token');
    await supabase.realtime.setAuth('token-2');
    await until('access_token event', () => server.stats.accessTokens >= 1);
    expect(server.tokens.at(-1)).toMatchObject({ via: 'access_token', token: 'token-2', topic: 'realtime:token' });
    expect(server.frames({ dir: 'out', event: 'phx_reply' })).toHaveLength(1); // no reply to access_token

    server.knobs.expireOnAccessToken = true;
    await supabase.realtime.setAuth('token-3');
    await until('CLOSED', () => w.count('CLOSED') === 1);
    expect(w.system.at(-1)).toMatchObject({ status: 'error', message: TOKEN_EXPIRED_MESSAGE });
  });

  it('upgrade refused with 401: CHANNEL_ERROR transport failure, then recovery', async () => {
    server.knobs.refuseUpgrades = 2;
    server.knobs.refuseUpgradeStatus = 401;
    const w = watch(makeClient(), 'auth');
    await until('SUBSCRIBED', () => w.count('SUBSCRIBED') === 1);
    expect(server.stats.upgradesRefused).toBe(2);
    expect(w.statuses[0]).toEqual({ status: 'CHANNEL_ERROR', message: 'channel error: transport failure', cause: 'Unexpected server response: 401' });
    expect(w.count('CHANNEL_ERROR')).toBe(1); // one error per outage
  });

  it('expectedApiKey: a wrong key is refused with 401 until the key matches', async () => {
    server.knobs.expectedApiKey = 'the-right-key';
    const w = watch(makeClient({ key: 'wrong-key' }), 'apikey');
    await until('3 refusals', () => server.stats.upgradesRefused >= 3);
    expect(server.stats.connections).toBe(0);
    expect(w.statuses[0]?.cause).toBe('Unexpected server response: 401');
    server.knobs.expectedApiKey = null;
    await until('SUBSCRIBED', () => w.count('SUBSCRIBED') === 1);
  });

  it('goDown / comeBack on the same port', async () => {
    const w = watch(makeClient(), 'down');
    await server.waitForLive('down');
    const port = server.port;
    await server.goDown();
    await until('CHANNEL_ERROR', () => w.count('CHANNEL_ERROR') === 1);
    expect(server.emitChange({ table: 'jobs', type: 'INSERT', record: { id: 1 } })).toBe(0);
    await server.comeBack();
    expect(server.port).toBe(port);
    await until('second SUBSCRIBED', () => w.count('SUBSCRIBED') === 2);
    await server.waitForLive('down');
    expect(server.emitChange({ table: 'jobs', type: 'INSERT', record: { id: 2 } })).toBe(1);
    await until('change after comeBack', () => w.changes.length === 1);
  });

  it('system error instead of "Subscribed to PostgreSQL": channel stays open but never live', async () => {
    server.knobs.systemMessage = 'error';
    const w = watch(makeClient(), 'syserr');
    await until('system error', () => w.system.length === 1);
    expect(w.system[0]).toMatchObject({ extension: 'postgres_changes', status: 'error' });
    expect(w.statuses.map((s) => s.status)).toEqual(['SUBSCRIBED']);
    expect(server.liveTopics()).toEqual([]);
    expect(server.emitChange({ table: 'jobs', type: 'INSERT', record: { id: 1 } })).toBe(0);
  });

  it('broadcast: kind-4 binary frame reaches .on("broadcast")', async () => {
    const w = watch(makeClient(), 'bc', []);
    await until('SUBSCRIBED', () => w.count('SUBSCRIBED') === 1);
    const { delivered, id } = server.emitBroadcast('bc', 'UPDATE', { operation: 'UPDATE', record: { id: 1 } });
    expect(delivered).toBe(1);
    await until('broadcast', () => w.broadcasts.length === 1);
    expect(w.broadcasts[0]).toEqual({ type: 'broadcast', event: 'UPDATE', payload: { id, operation: 'UPDATE', record: { id: 1 } }, meta: { id } });
  });

  it('vsn 1.0.0: object frames both ways, same behaviour', async () => {
    const w = watch(makeClient({ vsn: '1.0.0' }), 'v1');
    await server.waitForLive('v1');
    expect(server.openSockets()[0]?.info.vsn).toBe('1.0.0');
    const out = server.frames({ dir: 'out', event: 'phx_reply' })[0];
    expect(JSON.parse(out?.text ?? '')).not.toHaveProperty('join_ref');
    expect(server.emitChange({ table: 'jobs', type: 'INSERT', record: { id: 5 } })).toBe(1);
    await until('change', () => w.changes.length === 1);
    expect(server.emitBroadcast('v1', 'ping', { n: 1 }).delivered).toBe(1);
    await until('broadcast', () => w.broadcasts.length === 1);
    expect(w.broadcasts[0]).toMatchObject({ event: 'ping', payload: { n: 1 } });
  });
});
