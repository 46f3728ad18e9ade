import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { CursorFencedError, createFencedCursorStore } from '../../src/intake/fenced-cursor-store';
import { createPgLeaseStore } from '../../src/intake/lease-store';
import { createTestSchema, type TestSchema } from '../support/test-db';

/** The SQL of migration 0015's leases and the fenced cursor saves, on a real PostgreSQL and a hand-set clock. */
let db: TestSchema;
let nowMs = Date.parse('2027-06-12T10:00:00Z');
const clock = () => nowMs;
const TTL = 5_000;

beforeAll(async () => {
  db = await createTestSchema('leases');
});
afterAll(() => db.drop());
beforeEach(async () => {
  await db.pool.query('delete from intake_leases; delete from intake_replicas; delete from intake_cursors');
});

const cursorOf = async (stream: string) => (await db.pool.query<{ position: unknown }>('select position from intake_cursors where name = $1', [stream])).rows[0]?.position;

describe('intake leases in PostgreSQL', () => {
  it('acquire, renew, expire, take over: one holder at a time, a new epoch each time', async () => {
    const store = createPgLeaseStore(db.pool, clock);
    const a = await store.acquire('s', 'replica-a', TTL);
    expect(a).toEqual({ stream: 's', holder: 'replica-a', epoch: 1 });
    expect(await store.acquire('s', 'replica-b', TTL)).toBeNull();

    nowMs += 4_000;
    expect(await store.renew(a!, TTL)).toBe(true);
    nowMs += 4_000; // 8 s after the acquisition, 4 s after the renewal: still a's
    expect(await store.acquire('s', 'replica-b', TTL)).toBeNull();

    nowMs += 1_000; // the renewal's 5 s are up
    const b = await store.acquire('s', 'replica-b', TTL);
    expect(b).toEqual({ stream: 's', holder: 'replica-b', epoch: 2 });
    expect(await store.renew(a!, TTL)).toBe(false);
    await store.release(a!); // not a's any more: left alone
    expect(await store.acquire('s', 'replica-c', TTL)).toBeNull();

    await store.release(b!);
    expect(await store.acquire('s', 'replica-c', TTL)).toEqual({ stream: 's', holder: 'replica-c', epoch: 3 });
  });

  it('an expired lease is not renewed: its holder must acquire again, under a new epoch', async () => {
    const store = createPgLeaseStore(db.pool, clock);
    const a = await store.acquire('s', 'replica-a', TTL);
    nowMs += TTL;
    expect(await store.renew(a!, TTL)).toBe(false);
    expect((await store.acquire('s', 'replica-a', TTL))?.epoch).toBe(2);
  });

  it('two standbys racing for a free stream: exactly one wins', async () => {
    const store = createPgLeaseStore(db.pool); // the database's clock
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.acquire('race', `replica-${i}`, TTL)));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
  });

  it('counts the replicas taking part, forgetting those that stopped beating', async () => {
    const store = createPgLeaseStore(db.pool, clock);
    expect(await store.beat('replica-a', TTL)).toBe(1);
    expect(await store.beat('replica-b', TTL)).toBe(2);
    nowMs += 3_000;
    expect(await store.beat('replica-a', TTL)).toBe(2);
    nowMs += 3_000; // b's beat is 6 s old
    expect(await store.beat('replica-a', TTL)).toBe(1);
    await store.leave('replica-a');
    expect(await store.beat('replica-c', TTL)).toBe(1);
  });
});

describe('cursor saves fenced by the lease', () => {
  it('a replica that lost the lease can move the cursor neither back nor forward; the new holder can', async () => {
    const store = createPgLeaseStore(db.pool, clock);
    const a = (await store.acquire('s', 'replica-a', TTL))!;
    let aFenced = 0;
    const aCursor = createFencedCursorStore(db.pool, a, () => (aFenced += 1));
    await aCursor.save('s', { id: '100' });

    nowMs += TTL;
    const b = (await store.acquire('s', 'replica-b', TTL))!;
    const bCursor = createFencedCursorStore(db.pool, b, () => undefined);
    expect(await bCursor.load('s')).toEqual({ id: '100' }); // where a stopped: no gap

    await expect(aCursor.save('s', { id: '50' })).rejects.toBeInstanceOf(CursorFencedError);
    await expect(aCursor.save('s', { id: '900' })).rejects.toBeInstanceOf(CursorFencedError);
    expect(aFenced).toBe(2);
    expect(await cursorOf('s')).toEqual({ id: '100' });

    await bCursor.save('s', { id: '150' });
    expect(await cursorOf('s')).toEqual({ id: '150' });
    await store.release(b);
    await expect(bCursor.save('s', { id: '160' })).rejects.toBeInstanceOf(CursorFencedError);
  });

  it('a save racing a takeover either lands before it (and is loaded) or is refused', async () => {
    const store = createPgLeaseStore(db.pool, clock);
    const a = (await store.acquire('s', 'replica-a', TTL))!;
    const aCursor = createFencedCursorStore(db.pool, a, () => undefined);
    await aCursor.save('s', { id: '0' });
    nowMs += TTL;
    for (let round = 1; round <= 20; round += 1) {
      const [saved, taken] = await Promise.allSettled([aCursor.save('s', { id: String(round) }), store.acquire('s', `replica-${round}`, 1)]);
      expect(taken.status).toBe('fulfilled');
      const position = await cursorOf('s');
      if (saved.status === 'fulfilled') expect(position).toEqual({ id: String(round) });
      else expect(saved.reason).toBeInstanceOf(CursorFencedError);
      if (saved.status === 'rejected') break;
      nowMs += 10;
    }
    // Whoever holds it now, a's saves no longer land.
    await expect(aCursor.save('s', { id: 'late' })).rejects.toBeInstanceOf(CursorFencedError);
  });
});
