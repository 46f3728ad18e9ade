import { LRUCache } from 'lru-cache';

export interface TenantCacheOptions {
  readonly maxEntries: number;
  readonly ttlMs: number;
  /** Milliseconds of a monotonic clock, for tests; performance.now() by default. Must not return 0. */
  readonly now?: () => number;
}

export interface TenantCache<V> {
  /**
   * The cached value, or the one a load already running for this key will give, or a new load.
   * Only values `keep` accepts are cached; a failed load is forgotten.
   */
  get(organizationId: string, key: string, load: () => Promise<V>, keep: (value: V) => boolean): Promise<V>;
  /** Drops the organization's entries (null: all), and stops loads in flight from being reused. */
  invalidate(organizationId: string | null): void;
  readonly size: number;
}

interface Entry<V> {
  readonly organizationId: string;
  readonly value: V;
}

interface Flight<V> {
  readonly organizationId: string;
  promise?: Promise<V>;
}

/**
 * A bounded LRU with a TTL and single-flight loads, whose entries can be dropped per
 * organization without scanning the cache: invalidation runs for every change the worker sees.
 */
export function createTenantCache<V>({ maxEntries, ttlMs, now }: TenantCacheOptions): TenantCache<V> {
  const byOrganization = new Map<string, Set<string>>();
  const inFlight = new Map<string, Flight<V>>();

  const forget = (organizationId: string, key: string): void => {
    const keys = byOrganization.get(organizationId);
    keys?.delete(key);
    if (keys?.size === 0) byOrganization.delete(organizationId);
  };

  const entries = new LRUCache<string, Entry<V>>({
    max: maxEntries,
    ttl: ttlMs,
    // lru-cache otherwise reuses a clock reading for 1 ms of real time, which a test clock defeats.
    ...(now ? { perf: { now }, ttlResolution: 0 } : {}),
    dispose: (entry, key, reason) => {
      if (reason !== 'set') forget(entry.organizationId, key);
    },
  });

  const store = (organizationId: string, key: string, value: V): void => {
    entries.set(key, { organizationId, value });
    let keys = byOrganization.get(organizationId);
    if (!keys) byOrganization.set(organizationId, (keys = new Set()));
    keys.add(key);
  };

  return {
    get(organizationId, subKey, load, keep) {
      const key = `${organizationId}/${subKey}`;
      const hit = entries.get(key);
      if (hit) return Promise.resolve(hit.value);
      const running = inFlight.get(key);
      if (running?.promise) return running.promise;

      const flight: Flight<V> = { organizationId };
      // A flight that invalidate() removed may have read data older than the change that caused
      // it: its callers still get the value, but it is neither cached nor shared any more.
      const current = () => inFlight.get(key) === flight;
      flight.promise = Promise.resolve()
        .then(load)
        .then(
          (value) => {
            if (current()) {
              inFlight.delete(key);
              if (keep(value)) store(organizationId, key, value);
            }
            return value;
          },
          (error: unknown) => {
            if (current()) inFlight.delete(key);
            throw error;
          },
        );
      inFlight.set(key, flight);
      return flight.promise;
    },

    invalidate(organizationId) {
      if (organizationId === null) {
        entries.clear();
        inFlight.clear();
        byOrganization.clear();
        return;
      }
      for (const key of [...(byOrganization.get(organizationId) ?? [])]) entries.delete(key);
      byOrganization.delete(organizationId);
      for (const [key, flight] of inFlight) if (flight.organizationId === organizationId) inFlight.delete(key);
    },

    get size() {
      return entries.size;
    },
  };
}
