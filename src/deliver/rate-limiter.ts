import Bottleneck from 'bottleneck';
import type { PriorityLevel } from '../config/worker-config.schema';

export interface RateLimitSettings {
  /** Jobs started per window. */
  readonly max: number;
  readonly perMs: number;
  readonly maxConcurrent: number;
}

/** What the dispatcher needs from a limiter; Bottleneck stays behind this seam. */
export interface RateLimiter {
  schedule<T>(level: PriorityLevel, task: () => Promise<T>): Promise<T>;
  /** Jobs waiting for a slot. */
  queued(): number;
  stop(): Promise<void>;
}

// Bottleneck runs priority 0 first; spread the levels so later tuning can slot between them.
const BOTTLENECK_PRIORITY: Readonly<Record<PriorityLevel, number>> = { critical: 0, high: 2, normal: 5, low: 8 };

/**
 * A fixed-window reservoir: up to `max` starts per `perMs`, refilled in full each window, which
 * lets a quiet endpoint take a burst at once. Queued jobs leave in priority order, so a critical
 * delivery takes the next free slot ahead of any backlog.
 */
export function createRateLimiter(settings: RateLimitSettings): RateLimiter {
  const limiter = new Bottleneck({
    maxConcurrent: settings.maxConcurrent,
    reservoir: settings.max,
    reservoirRefreshAmount: settings.max,
    reservoirRefreshInterval: settings.perMs,
  });
  let stopped: Promise<void> | undefined;
  return {
    schedule: (level, task) => limiter.schedule({ priority: BOTTLENECK_PRIORITY[level] }, task),
    queued: () => limiter.counts().QUEUED + limiter.counts().RECEIVED,
    stop() {
      stopped ??= limiter.stop({ dropWaitingJobs: true });
      return stopped;
    },
  };
}

/** One limiter per key (a destination), made on first use. */
export class RateLimiterRegistry {
  private readonly limiters = new Map<string, RateLimiter>();

  get(key: string, settings: RateLimitSettings): RateLimiter {
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = createRateLimiter(settings);
      this.limiters.set(key, limiter);
    }
    return limiter;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.limiters.values()].map((l) => l.stop()));
  }
}
