/**
 * Runtime-mutable failure knobs and counters of the fake Realtime server.
 *
 * The defaults are production's timings (realtime-protocol.md §2.7, §3.4, §5.2): refusals late,
 * the feed live 1–3 s after the join, the poller's 100 rows a poll. `timing: 'fast'` swaps in
 * test timings for tests that are not about time; every other behaviour stays the same.
 *
 * Counting knobs (`refuseUpgrades`, `refuseJoins`, `swallowJoins`, `mismatchBindings`) mean
 * "apply to the next N occurrences". Set them to `Infinity` to apply until set back to 0.
 */
import { STATUS_CODES } from 'node:http';

export type RefusalStatus = 401 | 403 | 404 | 429 | 500;

export interface FakeRealtimeKnobs {
  // ---- handshake (§1.1) ----
  /** Refuse the next N WebSocket upgrades with `refuseUpgradeStatus`. */
  refuseUpgrades: number;
  refuseUpgradeStatus: RefusalStatus;
  /** Body `{"error": ...}`; `null` picks a realistic message for the status. */
  refuseUpgradeError: string | null;
  /** Production answers failed handshakes only after CONNECT_ERROR_BACKOFF_MS (2 s). */
  refuseUpgradeDelayMs: number;
  /** When set, an upgrade whose `apikey` query parameter differs is refused with 401. */
  expectedApiKey: string | null;

  // ---- liveness (§1.4) ----
  /** `drop` black-holes heartbeat replies only; `error` replies with status "error". */
  heartbeat: 'reply' | 'drop' | 'error';
  /** A delay ≥ the client's heartbeatIntervalMs makes the client time out. */
  heartbeatDelayMs: number;
  /** Keep TCP open but send nothing at all, on every socket, while true. */
  blackHole: boolean;
  /** Close a socket after this long without inbound frames (Phoenix: 60 000). `null` = never. */
  idleTimeoutMs: number | null;

  // ---- phx_join (§2.5–2.7) ----
  /** Refuse the next N joins with `{status:"error", response:{reason: refuseJoinReason}}`. */
  refuseJoins: number;
  /** `<Code>: <message>`; the client surfaces it verbatim as the CHANNEL_ERROR message. */
  refuseJoinReason: string;
  /** Delay before an ok join reply. */
  joinReplyDelayMs: number;
  /** Delay before a refused join's reply: production backs off 5 s first (§2.7). */
  refuseJoinDelayMs: number;
  /** Never answer the next N joins: the client reports TIMED_OUT after its `timeout`. */
  swallowJoins: number;
  /** Alter the first echoed binding's table on the next N joins that have bindings. */
  mismatchBindings: number;
  /**
   * Send `phx_close` for the old join_ref when a join on the same topic supersedes it, as
   * Phoenix.Socket does when it closes the duplicate channel process.
   */
  closeSupersededJoin: boolean;

  // ---- "Subscribed to PostgreSQL" (§3.4) ----
  /** `never`: the feed never goes live; `error`: a postgres_changes system error, channel stays open. */
  systemMessage: 'ok' | 'error' | 'never';
  /** Delay after the ok join reply: a fixed number, or `[min, max]` drawn at random per join. */
  systemDelayMs: number | readonly [number, number];
  systemErrorMessage: string;

  // ---- postgres_changes pushes (§3.1, §5.1, §5.2) ----
  /** Records above this many JSON bytes go out in the 413 shape (fields ≤ 64 bytes only). */
  maxRecordBytes: number;
  /**
   * The tenant's database-events limit: channel deliveries per second averaged over `windowMs`.
   * Over it a change is skipped for that channel (stats.rateLimited), as the poller does (§5.1).
   * `null` = unlimited.
   */
  dbEventsRateLimit: { perSecond: number; windowMs: number } | null;
  /**
   * Joins per second on one socket; the one over it is refused with ClientJoinRateLimitReached
   * and the socket is closed (§2.7). `null` = unlimited.
   */
  joinsPerSecond: number | null;
  /**
   * The poller of followDatabase / followBroadcasts: like Realtime's, the next poll at once after
   * one that found rows, this long after one that found none (`poll_interval_ms` × its
   * `@idle_multiplier` of 5).
   */
  pollIdleIntervalMs: number;
  /** At most this many rows per poll. */
  pollMaxRows: number;

  // ---- access_token (§1.7) ----
  /** Answer every `access_token` event with a system "Token has expired" error and phx_close. */
  expireOnAccessToken: boolean;
}

export const DEFAULT_JOIN_REFUSAL = 'RealtimeRestarting: Realtime is restarting, please standby';
export const TOKEN_EXPIRED_MESSAGE = 'Token has expired 0 seconds ago';
export const JOIN_RATE_REFUSAL = 'ClientJoinRateLimitReached: Too many joins per second';

export type Timing = 'production' | 'fast';

/** What `timing: 'fast'` changes: delays only, never a behaviour. */
const FAST_TIMINGS: Partial<FakeRealtimeKnobs> = {
  refuseUpgradeDelayMs: 0,
  refuseJoinDelayMs: 0,
  systemDelayMs: 20,
  pollIdleIntervalMs: 10,
  pollMaxRows: 1_000,
};

export function defaultKnobs(timing: Timing = 'production'): FakeRealtimeKnobs {
  const production: FakeRealtimeKnobs = {
    refuseUpgrades: 0,
    refuseUpgradeStatus: 401,
    refuseUpgradeError: null,
    // CONNECT_ERROR_BACKOFF_MS: a failed handshake is answered after 2 s (§7.1).
    refuseUpgradeDelayMs: 2_000,
    expectedApiKey: null,
    heartbeat: 'reply',
    heartbeatDelayMs: 0,
    blackHole: false,
    idleTimeoutMs: null,
    refuseJoins: 0,
    refuseJoinReason: DEFAULT_JOIN_REFUSAL,
    joinReplyDelayMs: 0,
    refuseJoinDelayMs: 5_000,
    swallowJoins: 0,
    mismatchBindings: 0,
    closeSupersededJoin: true,
    systemMessage: 'ok',
    systemDelayMs: [1_000, 3_000],
    systemErrorMessage:
      'Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [schema: public]',
    maxRecordBytes: 1_048_576,
    // The Pro plan's 500 a second (limits.mdx); events averaged over a minute, as
    // Tenants.db_events_per_second_rate does.
    dbEventsRateLimit: { perSecond: 500, windowMs: 60_000 },
    joinsPerSecond: 500,
    pollIdleIntervalMs: 500,
    pollMaxRows: 100,
    expireOnAccessToken: false,
  };
  return timing === 'fast' ? { ...production, ...FAST_TIMINGS } : production;
}

/** A delay knob's value for one use: `[min, max]` is drawn uniformly. */
export function drawDelay(delay: number | readonly [number, number]): number {
  if (typeof delay === 'number') return delay;
  const [min, max] = delay;
  return min + Math.random() * (max - min);
}

type CountingKnob = 'refuseUpgrades' | 'refuseJoins' | 'swallowJoins' | 'mismatchBindings';

/** Takes one use of a counting knob; `Infinity - 1` stays `Infinity`. */
export function consumeKnob(knobs: FakeRealtimeKnobs, name: CountingKnob): boolean {
  if (!(knobs[name] > 0)) return false;
  knobs[name] -= 1;
  return true;
}

export function upgradeErrorMessage(status: RefusalStatus): string {
  switch (status) {
    case 401:
      return 'Error authorizing the connection: token expired';
    case 403:
      return 'Tenant is suspended';
    case 404:
      return 'Tenant not found';
    case 429:
      return 'Too many connected users';
    case 500:
      return 'Unknown error';
  }
}

/** A raw HTTP response refusing an upgrade, in the server's `{"error": ...}` JSON shape. */
export function httpErrorResponse(status: RefusalStatus, error: string): string {
  const body = JSON.stringify({ error });
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  );
}

export interface FakeRealtimeStats {
  /** Accepted WebSocket upgrades, cumulative. */
  connections: number;
  upgradesRefused: number;
  /** `phx_join` frames received, per full topic (`realtime:x`). */
  joins: Record<string, number>;
  heartbeats: number;
  leaves: number;
  /** `access_token` events received (tokens inside joins are not counted here). */
  accessTokens: number;
  /** Channel deliveries made by emitChange / pushRawChange / emitBroadcast. */
  deliveries: number;
  /** Channel deliveries skipped by `rateLimit` (production only counts them in telemetry). */
  rateLimited: number;
  /** Changes sent in the 413 shape. */
  tooLarge: number;
}

export function emptyStats(): FakeRealtimeStats {
  return { connections: 0, upgradesRefused: 0, joins: {}, heartbeats: 0, leaves: 0, accessTokens: 0, deliveries: 0, rateLimited: 0, tooLarge: 0 };
}

/** A token the client presented, in a join payload or an `access_token` event. */
export interface SeenToken {
  connectionId: number;
  topic: string;
  via: 'phx_join' | 'access_token';
  token: string;
}
