import type { Redis } from 'ioredis';
import { ShutdownAbortError } from '../channels/errors';
import type { PriorityLevel, RateLimitSettings } from '../vocabulary';
import { MemorySlotStore } from './limits/memory-slot-store';
import { RedisSlotStore } from './limits/redis-slot-store';
import type { SlotGrant, SlotStore, SlotTicket } from './limits/slot-store';
import { WaitQueue, type WaitingJob } from './limits/wait-queue';

export type { RateLimitSettings } from '../vocabulary';

/** What the dispatcher needs from a destination's limit. */
export interface RateLimiter {
  /** Runs `task` in the destination's next slot, the most urgent level first; `signal` stops the wait. */
  schedule<T>(level: PriorityLevel, task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Jobs of this process waiting for a slot; of one level only when given. */
  queued(level?: PriorityLevel): number;
  /** Drops the jobs waiting for this destination. */
  stop(): Promise<void>;
}

/** Time as the limiter sees it; tests drive it by hand. */
export interface LimiterClock {
  now(): number;
  /** Calls `run` once after `ms`; returns the cancel. */
  after(ms: number, run: () => void): () => void;
}

const realClock: LimiterClock = {
  now: Date.now,
  after(ms, run) {
    const timer = setTimeout(run, ms);
    return () => clearTimeout(timer);
  },
};

/** How long a take waits before asking again after the store failed (Redis errors are logged by the client). */
const STORE_RETRY_MS = 1_000;

/** A destination with work: its waiting jobs by level, what runs, and at most one wake-up. */
interface ActiveDestination {
  readonly waiting: WaitQueue;
  settings: RateLimitSettings;
  running: number;
  taking: boolean;
  cancelWake: (() => void) | undefined;
}

export interface RateLimiterRegistryOptions {
  readonly clock?: LimiterClock;
  /**
   * The share (0–1) of every rated limit that only critical messages may take (wedding-day mode:
   * on the day only what is urgent by nature reaches critical). Other levels stop at the rest,
   * so a burst of ordinary mail cannot spend the window an emergency needs. Default 0.
   */
  readonly reservedCriticalShare?: number;
}

/**
 * Every destination's limit: a sliding log of its grants (in Redis when given one, so shared by
 * the replicas; in this process otherwise), a priority wait-queue while jobs wait, and a
 * concurrency cap. Nothing is kept for a destination without work: its entry here goes when
 * its last job finishes, its log when its window has passed. Settings come with each job, so a
 * changed limit applies to the next delivery.
 */
export class RateLimiterRegistry {
  private readonly active = new Map<string, ActiveDestination>();
  private readonly store: SlotStore;
  private readonly clock: LimiterClock;
  private readonly reservedShare: number;
  private stopped = false;

  constructor(redis?: Redis, namespace = 'wedsync', options: RateLimiterRegistryOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.reservedShare = Math.min(1, Math.max(0, options.reservedCriticalShare ?? 0));
    const injectedNow = options.clock ? () => this.clock.now() : undefined;
    this.store = redis ? new RedisSlotStore(redis, namespace, injectedNow) : new MemorySlotStore(() => this.clock.now());
  }

  get(key: string, settings: RateLimitSettings): RateLimiter {
    return {
      schedule: (level, task, signal) => this.schedule(key, settings, level, task, signal),
      queued: (level) => {
        const waiting = this.active.get(key)?.waiting;
        return (level ? waiting?.sizeOf(level) : waiting?.size) ?? 0;
      },
      stop: async () => {
        const destination = this.active.get(key);
        if (destination) this.quiet(key, destination);
      },
    };
  }

  /** Jobs of this process waiting per destination, where any wait. */
  waiting(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, destination] of this.active) if (destination.waiting.size > 0) out[key] = destination.waiting.size;
    return out;
  }

  /** Keyed state this process holds: destinations with work, and logs kept here (none with Redis). */
  sizes(): { readonly active: number; readonly logs: number } {
    return { active: this.active.size, logs: this.store.size() };
  }

  async stopAll(): Promise<void> {
    this.stopped = true;
    for (const [key, destination] of this.active) this.quiet(key, destination);
    await this.store.close();
  }

  /** No more waiting here: the wake-up cancelled, waiting jobs dropped; running ones finish. */
  private quiet(key: string, destination: ActiveDestination): void {
    destination.cancelWake?.();
    destination.cancelWake = undefined;
    destination.waiting.dropAll(new ShutdownAbortError());
    this.release(key, destination);
  }

  private schedule<T>(key: string, settings: RateLimitSettings, level: PriorityLevel, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.stopped || signal?.aborted) return Promise.reject(new ShutdownAbortError());
    const destination = this.activate(key);
    if (!sameLimit(destination.settings, settings)) {
      // A changed limit may already allow what the old one kept waiting: ask again now.
      destination.settings = settings;
      destination.cancelWake?.();
      destination.cancelWake = undefined;
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        destination.waiting.cancel(job);
        this.release(key, destination);
        reject(new ShutdownAbortError());
      };
      const job: WaitingJob = {
        cancelled: false,
        start: (ticket) => {
          signal?.removeEventListener('abort', onAbort);
          this.run(key, destination, task, ticket).then(resolve, reject);
        },
        drop: (reason) => {
          signal?.removeEventListener('abort', onAbort);
          reject(reason);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      destination.waiting.push(level, job);
      // The others' wait is for the smaller limit: a critical job may fit the reserved part now.
      if (level === 'critical' && this.reservedShare > 0 && destination.cancelWake) {
        destination.cancelWake();
        destination.cancelWake = undefined;
      }
      this.pump(key, destination);
    });
  }

  private activate(key: string): ActiveDestination {
    let destination = this.active.get(key);
    if (!destination) {
      destination = { waiting: new WaitQueue(), settings: { max: null, perMs: 1, maxConcurrent: 1 }, running: 0, taking: false, cancelWake: undefined };
      this.active.set(key, destination);
    }
    return destination;
  }

  private async run<T>(key: string, destination: ActiveDestination, task: () => Promise<T>, ticket: SlotTicket | undefined): Promise<T> {
    destination.running += 1;
    const windowMs = destination.settings.perMs;
    try {
      return await task();
    } finally {
      if (ticket !== undefined) this.store.finished(key, ticket, windowMs);
      destination.running -= 1;
      this.pump(key, destination);
      this.release(key, destination);
    }
  }

  /** Asks for as many slots as there are jobs that may start now; one ask at a time per destination. */
  private pump(key: string, destination: ActiveDestination): void {
    if (this.stopped || destination.taking || destination.cancelWake) return;
    const { max, perMs, maxConcurrent } = destination.settings;
    const free = Math.min(destination.waiting.size, maxConcurrent - destination.running);
    if (free <= 0) return;
    if (max === null) return this.granted(key, destination, { tickets: new Array<undefined>(free).fill(undefined), retryInMs: 0 }, destination.settings);
    const askedWith = destination.settings;
    // Critical jobs leave the queue first, so asking for no more slots than they are keeps the
    // reserved part of the window theirs; the others then ask again against the smaller limit.
    const critical = destination.waiting.sizeOf('critical');
    const wanted = critical > 0 ? Math.min(free, critical) : free;
    const limit = critical > 0 ? max : Math.max(1, max - Math.floor(max * this.reservedShare));
    let grant: SlotGrant | Promise<SlotGrant>;
    try {
      grant = this.store.take({ key, max: limit, windowMs: perMs, wanted });
    } catch {
      return this.wake(key, destination, STORE_RETRY_MS);
    }
    if (!(grant instanceof Promise)) return this.granted(key, destination, grant, askedWith);
    destination.taking = true;
    grant.then(
      (g) => {
        destination.taking = false;
        this.granted(key, destination, g, askedWith);
      },
      () => {
        destination.taking = false;
        this.wake(key, destination, STORE_RETRY_MS);
      },
    );
  }

  private granted(key: string, destination: ActiveDestination, grant: { readonly tickets: readonly (SlotTicket | undefined)[]; readonly retryInMs: number }, askedWith: RateLimitSettings): void {
    // The most urgent job waiting now takes the slot, also one that came while Redis answered.
    for (const ticket of grant.tickets) {
      const job = destination.waiting.shift();
      // A job that gave up meanwhile leaves its slot taken but unused, which errs on the safe side.
      if (!job) break;
      job.start(ticket);
    }
    // A limit changed while Redis answered is asked about at once, not after the old limit's wait.
    const changed = askedWith !== destination.settings;
    if (destination.waiting.size > 0 && grant.retryInMs > 0 && !changed) this.wake(key, destination, grant.retryInMs);
    else this.pump(key, destination);
    this.release(key, destination);
  }

  private wake(key: string, destination: ActiveDestination, inMs: number): void {
    if (this.stopped || destination.waiting.size === 0) return this.release(key, destination);
    destination.cancelWake = this.clock.after(inMs, () => {
      destination.cancelWake = undefined;
      this.pump(key, destination);
      this.release(key, destination);
    });
  }

  /** A destination with nothing waiting, running or asked for is forgotten. */
  private release(key: string, destination: ActiveDestination): void {
    const idle = destination.waiting.size === 0 && destination.running === 0 && !destination.taking && !destination.cancelWake;
    if (idle && this.active.get(key) === destination) this.active.delete(key);
  }
}

function sameLimit(a: RateLimitSettings, b: RateLimitSettings): boolean {
  return a.max === b.max && a.perMs === b.perMs && a.maxConcurrent === b.maxConcurrent;
}

/** One destination's limit on its own (tests, tools). */
export function createRateLimiter(settings: RateLimitSettings, options: RateLimiterRegistryOptions = {}): RateLimiter {
  return new RateLimiterRegistry(undefined, 'local', options).get('only', settings);
}
