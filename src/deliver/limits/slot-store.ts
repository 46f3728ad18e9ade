/**
 * Where a destination's recent request slots are counted: a sliding log, so that no window of
 * the configured length ever holds more than `max` requests — the way a partner counts them.
 */
export interface SlotRequest {
  readonly key: string;
  readonly max: number;
  readonly windowMs: number;
  /** How many slots the caller could use now; it may get fewer. */
  readonly wanted: number;
}

export interface SlotGrant {
  readonly granted: number;
  /** When fewer were granted than wanted: how long until the next slot frees; 0 otherwise. */
  readonly retryInMs: number;
}

export interface SlotStore {
  /** Synchronous in process; through Redis, a promise. */
  take(request: SlotRequest): SlotGrant | Promise<SlotGrant>;
  /** Destinations whose log this process holds (a slot still inside its window). */
  size(): number;
  close(): Promise<void>;
}

/**
 * How much longer than configured a window is held. A partner counts arrivals, we count grants:
 * the time from grant to arrival differs per request (a new connection, another replica), so
 * a window held exactly would let the partner see `max + 1` now and then.
 */
export function guardedWindowMs(perMs: number): number {
  return perMs + Math.min(1_000, Math.ceil(perMs * 0.02));
}
