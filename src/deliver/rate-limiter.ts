import Bottleneck from 'bottleneck';
import type { Redis } from 'ioredis';
import PQueue from 'p-queue';
import type { PriorityLevel, RateLimitSettings } from '../vocabulary';

/** What the dispatcher needs from a limiter; Bottleneck stays behind this seam. */
export interface RateLimiter {
  schedule<T>(level: PriorityLevel, task: () => Promise<T>): Promise<T>;
  /** Jobs of this process waiting for a slot. */
  queued(): number;
  stop(): Promise<void>;
}

// Bottleneck runs priority 0 first; spread the levels so later tuning can slot between them.
const BOTTLENECK_PRIORITY: Readonly<Record<PriorityLevel, number>> = { critical: 0, high: 2, normal: 5, low: 8 };

function reservoir(settings: RateLimitSettings) {
  return {
    maxConcurrent: settings.maxConcurrent,
    reservoir: settings.max,
    reservoirRefreshAmount: settings.max,
    reservoirRefreshInterval: settings.perMs,
  };
}

// p-queue runs the highest number first.
const QUEUE_PRIORITY: Readonly<Record<PriorityLevel, number>> = { critical: 10, high: 7, normal: 5, low: 2 };

/**
 * No rate, only a cap on concurrency, with the same priority order. Bottleneck costs ~2.3 ms a job
 * even with nothing to limit (measured-here.md §6), a ceiling of ~430 deliveries a second per
 * destination; p-queue does the same job at ~350k a second.
 */
function createConcurrencyLimiter(settings: RateLimitSettings): RateLimiter {
  const queue = new PQueue({ concurrency: settings.maxConcurrent });
  let stopped: Promise<void> | undefined;
  return {
    schedule: (level, task) => queue.add(task, { priority: QUEUE_PRIORITY[level] }),
    queued: () => queue.size,
    stop() {
      stopped ??= (async () => {
        queue.clear();
        await queue.onIdle();
      })();
      return stopped;
    },
  };
}

function wrap(limiter: Bottleneck, onStop: () => Promise<void> = async () => undefined): RateLimiter {
  let stopped: Promise<void> | undefined;
  return {
    schedule: (level, task) => limiter.schedule({ priority: BOTTLENECK_PRIORITY[level] }, task),
    queued: () => limiter.counts().QUEUED + limiter.counts().RECEIVED,
    stop() {
      stopped ??= limiter.stop({ dropWaitingJobs: true }).then(onStop);
      return stopped;
    },
  };
}

/**
 * A fixed-window reservoir: up to `max` starts per `perMs`, refilled in full each window, which
 * lets a quiet endpoint take a burst at once. Queued jobs leave in priority order, so a critical
 * delivery takes the next free slot ahead of any backlog.
 */
export function createRateLimiter(settings: RateLimitSettings): RateLimiter {
  if (settings.max === null) return createConcurrencyLimiter(settings);
  return wrap(new Bottleneck(reservoir(settings)));
}

/**
 * The same limit shared by every replica through Redis (Bottleneck's clustering). The settings
 * are part of the id, so a changed limit starts a fresh shared reservoir instead of inheriting
 * the old one; the heartbeat is short because Bottleneck refills a clustered reservoir only on it.
 */
function createSharedRateLimiter(namespace: string, key: string, settings: RateLimitSettings, connection: Bottleneck.IORedisConnection): RateLimiter {
  const limiter = new Bottleneck({
    ...reservoir(settings),
    id: `${namespace}:${key}:${settings.max}/${settings.perMs}/${settings.maxConcurrent}`,
    datastore: 'ioredis',
    connection,
    clearDatastore: false,
    heartbeatInterval: Math.max(50, Math.min(250, Math.floor(settings.perMs / 4))),
    // Forget the shared state of a destination nobody has used for a day.
    timeout: 24 * 3_600_000,
  });
  return wrap(limiter, () => limiter.disconnect(true));
}

/** One limiter per key (a destination), made on first use; shared through Redis when given one. */
export class RateLimiterRegistry {
  private readonly limiters = new Map<string, RateLimiter>();
  private readonly connection: Bottleneck.IORedisConnection | undefined;

  constructor(redis?: Redis, private readonly namespace = 'wedsync') {
    this.connection = redis ? new Bottleneck.IORedisConnection({ client: redis }) : undefined;
  }

  get(key: string, settings: RateLimitSettings): RateLimiter {
    let limiter = this.limiters.get(key);
    if (!limiter) {
      // Without a rate there is nothing to share: each replica caps its own concurrency.
      limiter =
        this.connection && settings.max !== null ? createSharedRateLimiter(this.namespace, key, settings, this.connection) : createRateLimiter(settings);
      this.limiters.set(key, limiter);
    }
    return limiter;
  }

  /** Jobs of this process waiting per destination, where any wait. */
  waiting(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, limiter] of this.limiters) if (limiter.queued() > 0) out[key] = limiter.queued();
    return out;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.limiters.values()].map((l) => l.stop()));
    await this.connection?.disconnect(true);
  }
}
