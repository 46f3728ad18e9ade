import type { Logger } from '../lib/logger';
import type { Lease, LeaseStore } from './lease-store';

export type LeaseEvent = 'acquired' | 'lost' | 'released';

export interface LeaseHooks {
  /** The stream is this replica's now: load its cursor, subscribe, catch up. */
  hold(lease: Lease): void;
  /**
   * Stop the stream. 'released': a clean hand-back, the cursor is saved before the lease goes;
   * 'lost': the lease is gone already, stop deciding at once (a save would be refused anyway).
   */
  letGo(stream: string, why: 'lost' | 'released'): Promise<void>;
}

export interface StreamLeasesOptions {
  readonly streams: readonly string[];
  readonly store: LeaseStore;
  /** This replica's name in the lease table: unique per process, no secret in it. */
  readonly holder: string;
  readonly ttlMs: number;
  /** Heart-beat: renew what is held, look for streams to take. Well under ttlMs. */
  readonly renewEveryMs: number;
  readonly now: () => number;
  /** Runs `run` after `ms` on the clock `now` reads (tests: a hand-moved clock); cancels with the result. */
  readonly after?: (ms: number, run: () => void) => () => void;
  readonly logger: Logger;
  readonly hooks: LeaseHooks;
  readonly onEvent?: (event: LeaseEvent, stream: string) => void;
}

interface Held {
  readonly lease: Lease;
  /** Local time after which the lease may be another's: the stream stops here at the latest. */
  deadlineMs: number;
  releasing: boolean;
}

/**
 * Splits the streams between replicas: each holds about streams / replicas, taking free or
 * expired leases while under its share and handing one back per beat while over it (a replica
 * that started first makes room for those that join). A lease not renewed by its deadline is
 * dropped locally on a timer of its own, whatever the database is doing, so a holder cut off
 * from it stops deciding before a standby can take the stream over.
 */
export class StreamLeases {
  private readonly held = new Map<string, Held>();
  private loop: NodeJS.Timeout | undefined;
  private cancelDeadline: () => void = () => undefined;
  private ticking: Promise<void> = Promise.resolve();
  private stopped = false;
  private beaten = false;
  private readonly order: readonly string[];

  constructor(private readonly o: StreamLeasesOptions) {
    // Each replica tries the streams from a different place, so standbys rarely race for one.
    const offset = [...o.holder].reduce((sum, c) => sum + c.charCodeAt(0), 0) % Math.max(1, o.streams.length);
    this.order = [...o.streams.slice(offset), ...o.streams.slice(0, offset)];
  }

  start(): void {
    if (this.stopped || this.loop) return;
    const next = () => {
      this.ticking = this.tick().finally(() => {
        if (!this.stopped) this.loop = setTimeout(next, this.o.renewEveryMs).unref();
      });
    };
    next();
  }

  /** True once a heart-beat has gone through: only then is a stream not held known to be another's. */
  get settled(): boolean {
    return this.beaten;
  }

  heldStreams(): string[] {
    return [...this.held.keys()].sort();
  }

  leaseOf(stream: string): Lease | undefined {
    return this.held.get(stream)?.lease;
  }

  /** True while this lease is held and not being handed back: its stream may be started. */
  holds(lease: Lease): boolean {
    const h = this.held.get(lease.stream);
    return h?.lease === lease && !h.releasing;
  }

  /** A save under this lease was refused: someone else holds the stream now. */
  fenced(lease: Lease): void {
    if (this.held.get(lease.stream)?.lease === lease) this.lose(lease.stream, 'its cursor save was fenced off');
  }

  /** One beat: drop what expired, renew, then take or give back toward the share. */
  async tick(): Promise<void> {
    if (this.stopped) return;
    this.expireLocally();
    const startedMs = this.o.now();
    try {
      const replicas = await this.o.store.beat(this.o.holder, this.o.ttlMs);
      await Promise.all([...this.held.entries()].map(([stream, h]) => this.renew(stream, h, startedMs)));
      if (this.stopped) return;
      const share = Math.ceil(this.o.streams.length / Math.max(1, replicas));
      const keeping = [...this.held.values()].filter((h) => !h.releasing);
      if (keeping.length > share) {
        await this.giveBack(keeping[keeping.length - 1]!);
        return;
      }
      for (const stream of this.order) {
        if (this.stopped || [...this.held.values()].filter((h) => !h.releasing).length >= share) break;
        if (this.held.has(stream)) continue;
        const lease = await this.o.store.acquire(stream, this.o.holder, this.o.ttlMs);
        if (lease && !this.stopped) this.take(lease, startedMs);
        else if (lease) await this.o.store.release(lease);
      }
      this.beaten = true;
    } catch (error) {
      this.o.logger.warn({ err: error }, 'intake lease heart-beat failed; held streams stop at their deadline');
    } finally {
      this.armDeadline();
    }
  }

  /** Stops beating, hands every stream back with its cursor saved, and leaves. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.loop);
    await this.ticking.catch(() => undefined);
    await Promise.all([...this.held.values()].map((h) => this.giveBack(h)));
    this.cancelDeadline();
    await this.o.store.leave(this.o.holder).catch((error: unknown) => this.o.logger.warn({ err: error }, 'intake replica row not removed; it expires'));
  }

  private take(lease: Lease, startedMs: number): void {
    this.held.set(lease.stream, { lease, deadlineMs: startedMs + this.o.ttlMs, releasing: false });
    this.o.logger.info({ stream: lease.stream, epoch: lease.epoch, holder: this.o.holder }, 'intake stream lease acquired');
    this.o.onEvent?.('acquired', lease.stream);
    this.o.hooks.hold(lease);
  }

  private async renew(stream: string, h: Held, startedMs: number): Promise<void> {
    let ok: boolean;
    try {
      ok = await this.o.store.renew(h.lease, this.o.ttlMs);
    } catch (error) {
      this.o.logger.warn({ err: error, stream }, 'intake lease not renewed; retrying');
      return;
    }
    if (this.held.get(stream) !== h) return;
    if (ok) h.deadlineMs = startedMs + this.o.ttlMs;
    else this.lose(stream, 'its lease expired or was taken over');
  }

  private async giveBack(h: Held): Promise<void> {
    if (h.releasing) return;
    h.releasing = true;
    const { stream } = h.lease;
    try {
      await this.o.hooks.letGo(stream, 'released');
      if (this.held.get(stream) === h) await this.o.store.release(h.lease);
    } catch (error) {
      this.o.logger.warn({ err: error, stream }, 'intake lease not released; it expires');
    }
    if (this.held.get(stream) !== h) return;
    this.held.delete(stream);
    this.o.logger.info({ stream, epoch: h.lease.epoch }, 'intake stream lease released');
    this.o.onEvent?.('released', stream);
  }

  private lose(stream: string, why: string): void {
    this.held.delete(stream);
    this.o.logger.warn({ stream, why }, 'intake stream lease lost; this replica stops deciding it');
    this.o.onEvent?.('lost', stream);
    void this.o.hooks.letGo(stream, 'lost').catch((error: unknown) => this.o.logger.error({ err: error, stream }, 'intake stream not stopped cleanly'));
  }

  private expireLocally(): void {
    const now = this.o.now();
    for (const [stream, h] of this.held) if (now >= h.deadlineMs) this.lose(stream, 'its lease was not renewed in time');
  }

  /** A timer of its own: a heart-beat stuck on the database must not keep a stream past its deadline. */
  private armDeadline(): void {
    this.cancelDeadline();
    if (this.stopped || this.held.size === 0) return;
    const first = Math.min(...[...this.held.values()].map((h) => h.deadlineMs));
    const after = this.o.after ?? realTimer;
    this.cancelDeadline = after(Math.max(0, first - this.o.now()), () => {
      this.expireLocally();
      this.armDeadline();
    });
  }
}

function realTimer(ms: number, run: () => void): () => void {
  const timer = setTimeout(run, ms).unref();
  return () => clearTimeout(timer);
}
