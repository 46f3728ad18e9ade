/**
 * Twilio has no idempotency key, so the worker remembers which deliveries it already handed to
 * Twilio. A retry or replay of a recorded delivery returns the recorded sid and sends nothing.
 */
export interface SentLedger {
  /** The Twilio message sid recorded for this delivery, or null. */
  lookup(deliveryId: string): Promise<string | null>;
  record(deliveryId: string, sid: string): Promise<void>;
}

export interface MemorySentLedgerOptions {
  /** Oldest entries are forgotten beyond this many; default 100,000 (a few MB). */
  readonly maxEntries?: number;
}

/** Per process: survives retries, not restarts. A Postgres-backed ledger replaces it with the durable queue. */
export function createMemorySentLedger({ maxEntries = 100_000 }: MemorySentLedgerOptions = {}): SentLedger {
  const sids = new Map<string, string>();
  return {
    lookup(deliveryId) {
      return Promise.resolve(sids.get(deliveryId) ?? null);
    },
    record(deliveryId, sid) {
      sids.set(deliveryId, sid);
      // Maps iterate in insertion order, so the first key is the oldest.
      while (sids.size > maxEntries) sids.delete(sids.keys().next().value as string);
      return Promise.resolve();
    },
  };
}
