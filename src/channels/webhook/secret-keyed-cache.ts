import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

export interface SecretKeyedCacheOptions {
  /** Secrets held at most; the one unused longest goes first. */
  readonly maxEntries?: number;
  /** A secret unused this long is forgotten. */
  readonly idleMs?: number;
  /** A monotonic clock in ms (tests move it by hand). */
  readonly now?: () => number;
}

/**
 * What is derived from a secret (a signer, a decoded key), made once and kept while in use:
 * bounded, forgotten when idle, and keyed by a digest, so the map itself holds no secret in
 * clear text. Tenants' secrets rotate; the old ones must not stay for the life of the process.
 */
export class SecretKeyedCache<V extends object> {
  private readonly entries: LRUCache<string, V>;

  constructor(
    private readonly make: (secret: string) => V,
    { maxEntries = 10_000, idleMs = 3_600_000, now }: SecretKeyedCacheOptions = {},
  ) {
    this.entries = new LRUCache<string, V>({ max: maxEntries, ttl: idleMs, ttlResolution: 0, updateAgeOnGet: true, ...(now ? { perf: { now } } : {}) });
  }

  get(secret: string): V {
    const key = createHash('sha256').update(secret).digest('base64url');
    let value = this.entries.get(key);
    if (!value) {
      value = this.make(secret);
      this.entries.set(key, value);
    }
    return value;
  }

  /** Secrets held now, idle ones dropped first (for the gauge). */
  size(): number {
    this.entries.purgeStale();
    return this.entries.size;
  }
}
