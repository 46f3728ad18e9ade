import { describe, expect, it } from '@jest/globals';
import type { Lease, LeaseStore } from '../../../src/intake/lease-store';
import { StreamLeases, type LeaseHooks } from '../../../src/intake/stream-leases';
import { ManualClock } from '../../support/manual-clock';
import { memoryLogger } from '../../support/memory-log';

/** The lease table's rules in memory, on the hand-moved clock (the SQL is tested in integration). */
class MemoryLeases implements LeaseStore {
  readonly rows = new Map<string, { holder: string | null; epoch: number; expiresAtMs: number }>();
  readonly replicas = new Map<string, number>();
  renewHangs = false;
  constructor(private readonly clock: ManualClock) {}
  async acquire(stream: string, holder: string, ttlMs: number): Promise<Lease | null> {
    const row = this.rows.get(stream);
    if (row && row.holder !== null && row.expiresAtMs > this.clock.now()) return null;
    const epoch = (row?.epoch ?? 0) + 1;
    this.rows.set(stream, { holder, epoch, expiresAtMs: this.clock.now() + ttlMs });
    return { stream, holder, epoch };
  }
  async renew(lease: Lease, ttlMs: number): Promise<boolean> {
    if (this.renewHangs) return new Promise(() => undefined);
    const row = this.rows.get(lease.stream);
    if (!row || row.holder !== lease.holder || row.epoch !== lease.epoch || row.expiresAtMs <= this.clock.now()) return false;
    row.expiresAtMs = this.clock.now() + ttlMs;
    return true;
  }
  async release(lease: Lease): Promise<void> {
    const row = this.rows.get(lease.stream);
    if (row && row.holder === lease.holder && row.epoch === lease.epoch) row.holder = null;
  }
  async beat(holder: string, ttlMs: number): Promise<number> {
    this.replicas.set(holder, this.clock.now() + ttlMs);
    return [...this.replicas.values()].filter((at) => at > this.clock.now()).length;
  }
  async leave(holder: string): Promise<void> {
    this.replicas.delete(holder);
  }
}

const STREAMS = ['a', 'b', 'c'];
const TTL = 5_000;

function replica(store: MemoryLeases, clock: ManualClock, holder: string) {
  const calls: string[] = [];
  const hooks: LeaseHooks = {
    hold: (lease) => void calls.push(`hold ${lease.stream}#${lease.epoch}`),
    letGo: async (stream, why) => void calls.push(`${why} ${stream}`),
  };
  const leases = new StreamLeases({
    streams: STREAMS,
    store,
    holder,
    ttlMs: TTL,
    renewEveryMs: 1_000,
    now: () => clock.now(),
    after: (ms, run) => clock.after(ms, run),
    logger: memoryLogger('warn').logger,
    hooks,
  });
  return { leases, calls };
}

describe('intake stream leases', () => {
  it('a lone replica holds every stream; those joining later get their share handed back one a beat', async () => {
    const clock = new ManualClock();
    const store = new MemoryLeases(clock);
    const first = replica(store, clock, 'r1');
    await first.leases.tick();
    expect(first.leases.heldStreams()).toEqual(STREAMS);

    const second = replica(store, clock, 'r2');
    const third = replica(store, clock, 'r3');
    await second.leases.tick();
    await third.leases.tick();
    expect(second.leases.heldStreams()).toEqual([]);
    for (let beat = 0; beat < 4; beat += 1) {
      clock.advance(1_000);
      for (const r of [first, second, third]) await r.leases.tick();
    }
    const held = [first, second, third].map((r) => r.leases.heldStreams());
    expect(held.map((h) => h.length)).toEqual([1, 1, 1]);
    expect(held.flat().sort()).toEqual(STREAMS);
    // Handed back cleanly (the cursor saved under the lease), then taken at once, not after the expiry.
    expect(first.calls.filter((c) => c.startsWith('released'))).toHaveLength(2);
    expect(clock.now() - 1_700_000_000_000).toBeLessThan(TTL);
  });

  it('a holder that stops renewing loses its streams to a standby once the lease expires, with a higher epoch', async () => {
    const clock = new ManualClock();
    const store = new MemoryLeases(clock);
    const holder = replica(store, clock, 'r1');
    await holder.leases.tick();
    const standby = replica(store, clock, 'r2');
    // The holder is gone (killed): nothing renews. The standby polls and waits for the expiry.
    clock.advance(TTL - 1);
    await standby.leases.tick();
    expect(standby.leases.heldStreams()).toEqual([]);
    clock.advance(1);
    await standby.leases.tick();
    expect(standby.leases.heldStreams()).toEqual(STREAMS);
    expect(standby.calls.sort()).toEqual(['hold a#2', 'hold b#2', 'hold c#2']);
  });

  it('stops deciding a stream at its local deadline even while the renewal hangs', async () => {
    const clock = new ManualClock();
    const store = new MemoryLeases(clock);
    const r = replica(store, clock, 'r1');
    await r.leases.tick();
    store.renewHangs = true;
    clock.advance(1_000);
    void r.leases.tick(); // stuck in renew, never returns
    clock.advance(TTL);
    expect(r.leases.heldStreams()).toEqual([]);
    expect(r.calls.filter((c) => c.startsWith('lost')).sort()).toEqual(['lost a', 'lost b', 'lost c']);
  });

  it('drops a stream whose renewal is refused (taken over), and one whose cursor save was fenced', async () => {
    const clock = new ManualClock();
    const store = new MemoryLeases(clock);
    const r = replica(store, clock, 'r1');
    await r.leases.tick();
    // Another replica holds a now (its lease was thought expired): r1's renewal is refused.
    Object.assign(store.rows.get('a')!, { holder: 'r9', epoch: 2, expiresAtMs: clock.now() + 60_000 });
    clock.advance(1_000);
    await r.leases.tick();
    expect(r.calls).toContain('lost a');
    expect(r.leases.heldStreams()).toEqual(['b', 'c']);

    r.leases.fenced(r.leases.leaseOf('b')!);
    expect(r.calls).toContain('lost b');
    // A refusal under an old lease of a stream held again does not drop the new one.
    r.leases.fenced({ stream: 'c', holder: 'r1', epoch: 0 });
    expect(r.leases.heldStreams()).toEqual(['c']);
  });

  it('a clean stop hands every stream back and leaves, so peers take them without waiting', async () => {
    const clock = new ManualClock();
    const store = new MemoryLeases(clock);
    const r = replica(store, clock, 'r1');
    await r.leases.tick();
    await r.leases.stop();
    expect(r.calls.filter((c) => c.startsWith('released')).sort()).toEqual(['released a', 'released b', 'released c']);
    expect([...store.rows.values()].every((row) => row.holder === null)).toBe(true);
    expect(store.replicas.size).toBe(0);
    const peer = replica(store, clock, 'r2');
    await peer.leases.tick();
    expect(peer.leases.heldStreams()).toEqual(STREAMS);
  });
});
