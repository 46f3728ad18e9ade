/**
 * Where a destination's recent requests are counted: a sliding log, so that no window of the
 * configured length ever holds more than `max` of them — the way a partner counts them.
 *
 * A partner counts arrivals; we can only count what we did. A request arrives somewhere between
 * its grant and its answer, and how long that takes differs per request (a new connection,
 * another replica, a slow partner). So a grant is logged when it is made and logged again, later,
 * when its request has finished: the window it fills starts no earlier than its arrival, and
 * the next request can't start until that whole window has passed.
 */
export interface SlotRequest {
  readonly key: string;
  readonly max: number;
  readonly windowMs: number;
  /** How many slots the caller could use now; it may get fewer. */
  readonly wanted: number;
}

/** Which grant finished, as the store knows it. */
export type SlotTicket = string | number;

export interface SlotGrant {
  /** One per slot granted (as many as wanted or fewer). */
  readonly tickets: readonly SlotTicket[];
  /** When fewer were granted than wanted: how long until the next slot frees; 0 otherwise. */
  readonly retryInMs: number;
}

export interface SlotStore {
  /** Synchronous in process; through Redis, a promise. */
  take(request: SlotRequest): SlotGrant | Promise<SlotGrant>;
  /** The request of this grant has finished (answered, failed or given up): it counts from now. */
  finished(key: string, ticket: SlotTicket, windowMs: number): void;
  /** Destinations whose log this process holds (a request still inside its window). */
  size(): number;
  close(): Promise<void>;
}
