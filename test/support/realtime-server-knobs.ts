/**
 * Runtime-mutable failure knobs and counters of the fake Realtime server.
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
  /** Delay before any join reply (production delays refusals by 5 s). */
  joinReplyDelayMs: number;
  /** Never answer the next N joins: the client reports TIMED_OUT after its `timeout`. */
  swallowJoins: number;
  /** Alter the first echoed binding's table on the next N joins that have bindings. */
  mismatchBindings: number;
  /** Send `phx_close` for the old join_ref when a join supersedes it (real Phoenix does not). */
  closeSupersededJoin: boolean;

  // ---- "Subscribed to PostgreSQL" (§3.4) ----
  /** `never`: the feed never goes live; `error`: a postgres_changes system error, channel stays open. */
  systemMessage: 'ok' | 'error' | 'never';
  /** Delay after the ok join reply (production: ~0–3 s). */
  systemDelayMs: number;
  systemErrorMessage: string;

  // ---- access_token (§1.7) ----
  /** Answer every `access_token` event with a system "Token has expired" error and phx_close. */
  expireOnAccessToken: boolean;
}

export const DEFAULT_JOIN_REFUSAL = 'RealtimeRestarting: Realtime is restarting, please standby';
export const TOKEN_EXPIRED_MESSAGE = 'Token has expired 0 seconds ago';

export function defaultKnobs(): FakeRealtimeKnobs {
  return {
    refuseUpgrades: 0,
    refuseUpgradeStatus: 401,
    refuseUpgradeError: null,
    refuseUpgradeDelayMs: 0,
    expectedApiKey: null,
    heartbeat: 'reply',
    heartbeatDelayMs: 0,
    blackHole: false,
    idleTimeoutMs: null,
    refuseJoins: 0,
    refuseJoinReason: DEFAULT_JOIN_REFUSAL,
    joinReplyDelayMs: 0,
    swallowJoins: 0,
    mismatchBindings: 0,
    closeSupersededJoin: false,
    systemMessage: 'ok',
    systemDelayMs: 20,
    systemErrorMessage:
      'Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [schema: public]',
    expireOnAccessToken: false,
  };
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
}

export function emptyStats(): FakeRealtimeStats {
  return { connections: 0, upgradesRefused: 0, joins: {}, heartbeats: 0, leaves: 0, accessTokens: 0, deliveries: 0 };
}

/** A token the client presented, in a join payload or an `access_token` event. */
export interface SeenToken {
  connectionId: number;
  topic: string;
  via: 'phx_join' | 'access_token';
  token: string;
}
