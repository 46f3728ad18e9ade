/**
 * What makes the fake Realtime server production-like (realtime-protocol.md §2.3, §2.7, §3.1,
 * §3.4, §5): its default timings, filters, size and rate limits and superseded joins, driven
 * through the REAL supabase-js client. Delays are read from the server's own frame log (lower
 * bounds only), never from a timer in the test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { SupabaseClient } from '@supabase/supabase-js';
import { JOIN_RATE_REFUSAL, startFakeRealtime, TOO_LARGE_ERROR, waitFor, type FakeRealtime, type Timing } from './realtime-server';
import { createTestClient, watchChannel, type PgFilter } from './realtime-server-client';

let server: FakeRealtime;
const clients: SupabaseClient[] = [];

async function start(timing: Timing): Promise<FakeRealtime> {
  server = await startFakeRealtime({ timing });
  return server;
}

function client(): SupabaseClient {
  const c = createTestClient(server.url, { timeout: 8_000 });
  clients.push(c);
  return c;
}

const until = (what: string, predicate: () => unknown, timeoutMs = 8_000): Promise<unknown> => waitFor(predicate, { timeoutMs, what });

/** ms between the first inbound frame matching `from` and the first outbound frame after it matching `to`. */
function gap(from: (event: string | undefined) => boolean, to: (payload: Record<string, unknown>, event: string | undefined) => boolean, topic: string): number {
  const frames = server.frames().filter((f) => f.msg?.topic === `realtime:${topic}`);
  const start = frames.find((f) => f.dir === 'in' && from(f.msg?.event));
  const end = frames.find((f) => f.dir === 'out' && start && f.at >= start.at && to((f.msg?.payload ?? {}) as Record<string, unknown>, f.msg?.event));
  if (!start || !end) throw new Error(`no such frames on ${topic}`);
  return end.at - start.at;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.removeAllChannels()));
  await server.close();
});

describe('production timing is the default', () => {
  it('answers a refused join only after 5 s', async () => {
    await start('production');
    server.knobs.refuseJoins = 1;
    const w = watchChannel(client(), 'refused', [{ event: '*', schema: 'public', table: 'jobs' }]);
    await until('the refusal', () => w.count('CHANNEL_ERROR') === 1);
    expect(gap((e) => e === 'phx_join', (p, e) => e === 'phx_reply' && p.status === 'error', 'refused')).toBeGreaterThanOrEqual(5_000);
  }, 20_000);

  it('answers a refused upgrade only after 2 s', async () => {
    await start('production');
    server.knobs.refuseUpgrades = 1;
    const w = watchChannel(client(), 'upgrade', []);
    await until('the refused upgrade', () => w.count('CHANNEL_ERROR') === 1);
    await until('SUBSCRIBED', () => w.count('SUBSCRIBED') === 1);
    const [refusal] = server.refusedUpgrades;
    expect(server.refusedUpgrades).toHaveLength(1);
    expect(refusal!.answeredAt! - refusal!.receivedAt).toBeGreaterThanOrEqual(2_000);
  }, 20_000);

  it('says "Subscribed to PostgreSQL" 1–3 s after each join, drawn at random', async () => {
    await start('production');
    const supabase = client();
    const names = ['a', 'b', 'c', 'd'];
    for (const name of names) watchChannel(supabase, name, [{ event: '*', schema: 'public', table: 'jobs' }]);
    await until('four live feeds', () => server.liveTopics().length === 4);
    const delays = names.map((name) => gap((e) => e === 'phx_join', (p, e) => e === 'system' && p.message === 'Subscribed to PostgreSQL', name));
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(1_000);
    expect(new Set(delays.map((d) => Math.round(d / 10))).size).toBeGreaterThan(1);
  }, 20_000);

  it('is answered at once with timing "fast"', async () => {
    await start('fast');
    server.knobs.refuseJoins = 1;
    const w = watchChannel(client(), 'quick', [{ event: '*', schema: 'public', table: 'jobs' }]);
    await until('live after one refusal', () => server.liveTopics().length === 1, 3_000);
    expect(w.statuses.map((s) => s.status)).toEqual(['CHANNEL_ERROR', 'SUBSCRIBED']);
  });
});

describe('filters', () => {
  const numbers: Array<[string, number[]]> = [
    ['n=eq.5', [5]],
    ['n=neq.5', [2, 10]],
    ['n=lt.5', [2]],
    ['n=lte.5', [2, 5]],
    ['n=gt.5', [10]],
    ['n=gte.5', [5, 10]],
    ['n=in.(2,10)', [2, 10]],
  ];

  it('evaluates every documented operator in the column type (10 > 5 as numbers, not text)', async () => {
    await start('fast');
    const bindings: PgFilter[] = numbers.map(([filter]) => ({ event: 'INSERT', schema: 'public', table: 'nums', filter }));
    watchChannel(client(), 'ops', bindings);
    await server.waitForLive('ops');
    const ids = server.bindingIds('ops');
    const reached = new Map<number, number[]>();
    for (const n of [2, 5, 10]) {
      server.emitChange({ table: 'nums', type: 'INSERT', record: { n, s: 'x' }, columns: [{ name: 'n', type: 'int4' }, { name: 's', type: 'text' }] });
      const last = server.frames({ dir: 'out', event: 'postgres_changes' }).at(-1)?.msg?.payload as { ids: number[] };
      for (const id of last.ids) reached.set(id, [...(reached.get(id) ?? []), n]);
    }
    numbers.forEach(([filter, expected], i) => expect({ filter, got: reached.get(ids[i]!) ?? [] }).toEqual({ filter, got: expected }));
  });

  it('compares text as text and never matches a NULL column', async () => {
    await start('fast');
    watchChannel(client(), 'text', [{ event: '*', schema: 'public', table: 'jobs', filter: 'status=neq.done' }]);
    await server.waitForLive('text');
    expect(server.emitChange({ table: 'jobs', type: 'INSERT', record: { id: 1, status: 'queued' } })).toBe(1);
    expect(server.emitChange({ table: 'jobs', type: 'INSERT', record: { id: 2, status: 'done' } })).toBe(0);
    expect(server.emitChange({ table: 'jobs', type: 'INSERT', record: { id: 3, status: null } })).toBe(0);
  });

  it('answers an unparsable filter with the asynchronous system error: joined, never live, nothing matched', async () => {
    await start('fast');
    const w = watchChannel(client(), 'bad', [{ event: '*', schema: 'public', table: 'jobs', filter: 'status=like.done' }]);
    await until('the system error', () => w.system.length === 1);
    expect(w.system[0]).toEqual({ extension: 'postgres_changes', status: 'error', message: 'Error parsing `filter` params: ["status","like","done"]', channel: 'bad' });
    expect(w.statuses.map((s) => s.status)).toEqual(['SUBSCRIBED']);
    expect(server.liveTopics()).toEqual([]);
    expect(server.emitChange({ table: 'jobs', type: 'INSERT', record: { status: 'done' } })).toBe(0);
  });
});

describe('limits', () => {
  it('sends a record over 1 MB in the 413 shape: only fields of at most 64 bytes', async () => {
    await start('fast');
    const w = watchChannel(client(), 'big', [{ event: '*', schema: 'public', table: 'jobs' }]);
    await server.waitForLive('big');
    const record = { id: 7, short: 'x'.repeat(64), long: 'y'.repeat(65), body: 'z'.repeat(1_048_576) };
    expect(server.emitChange({ table: 'jobs', type: 'INSERT', record })).toBe(1);
    await until('the change', () => w.changes.length === 1);
    expect(w.changes[0]).toMatchObject({ errors: [TOO_LARGE_ERROR], new: { id: 7, short: 'x'.repeat(64) } });
    expect(Object.keys(w.changes[0]!.new as object).sort()).toEqual(['id', 'short']);
    expect(server.stats.tooLarge).toBe(1);
    expect(server.emitChange({ table: 'jobs', type: 'INSERT', record: { id: 8, body: 'z'.repeat(1_000) } })).toBe(1);
    await until('the small change', () => w.changes.length === 2);
    expect(w.changes[1]).toMatchObject({ errors: null, new: { id: 8 } });
  });

  it('skips changes over the database-events rate, as the poller does', async () => {
    await start('fast');
    server.knobs.dbEventsRateLimit = { perSecond: 2, windowMs: 1_000 };
    const w = watchChannel(client(), 'rate', [{ event: '*', schema: 'public', table: 'jobs' }]);
    await server.waitForLive('rate');
    const delivered = [1, 2, 3, 4, 5].map((id) => server.emitChange({ table: 'jobs', type: 'INSERT', record: { id } }));
    expect(delivered).toEqual([1, 1, 0, 0, 0]);
    expect(server.stats.rateLimited).toBe(3);
    await until('two changes', () => w.changes.length === 2);
  });

  it('refuses a join over the join rate and drops the socket', async () => {
    await start('fast');
    server.knobs.joinsPerSecond = 1;
    const supabase = client();
    const first = watchChannel(supabase, 'first', [{ event: '*', schema: 'public', table: 'jobs' }]);
    const second = watchChannel(supabase, 'second', [{ event: '*', schema: 'public', table: 'jobs' }]);
    await until('the refusal', () => second.statuses.some((s) => s.message === JOIN_RATE_REFUSAL));
    await until('the socket closed', () => server.connections[0]?.closeCode === 1000);
    server.knobs.joinsPerSecond = null;
    await until('both live again', () => server.liveTopics().length === 2);
    expect(first.count('CHANNEL_ERROR')).toBeGreaterThanOrEqual(1);
  });
});

describe('superseded joins', () => {
  it('closes the old join with phx_close for its join_ref; the client ignores it and stays subscribed', async () => {
    await start('fast');
    await server.goDown();
    const w = watchChannel(client(), 'again', [{ event: '*', schema: 'public', table: 'jobs' }]);
    await until('CHANNEL_ERROR while down', () => w.count('CHANNEL_ERROR') === 1);
    await server.comeBack();
    await server.waitForLive('again');
    const [stale, fresh] = server.received('phx_join', 'again');
    expect(stale?.joinRef).not.toBe(fresh?.joinRef);
    const closes = server.frames({ dir: 'out', event: 'phx_close' }).map((f) => f.msg);
    expect(closes).toEqual([expect.objectContaining({ joinRef: stale?.joinRef, ref: stale?.joinRef, topic: 'realtime:again' })]);
    expect(server.emitChange({ table: 'jobs', type: 'INSERT', record: { id: 1 } })).toBe(1);
    await until('the change', () => w.changes.length === 1);
    expect(w.count('CLOSED')).toBe(0);
  });
});

describe('the fake stands alone', () => {
  it('imports no product code', () => {
    const files = readdirSync(__dirname).filter((f) => f.startsWith('realtime-server') && f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) expect({ f, imports: readFileSync(`${__dirname}/${f}`, 'utf8').match(/from '\.\.\/\.\.\/src[^']*'/g) ?? [] }).toEqual({ f, imports: [] });
  });
});
