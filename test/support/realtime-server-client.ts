/**
 * The REAL supabase-js client, configured for fast tests against the fake Realtime server,
 * plus a channel recorder. Pinned to @supabase/supabase-js 2.119.0: two internals are touched
 * (see comments) and must be re-checked on upgrade.
 */
import WebSocket from 'ws';
import {
  createClient,
  type REALTIME_POSTGRES_CHANGES_LISTEN_EVENT,
  type RealtimeChannel,
  type RealtimePostgresChangesFilter,
  type SupabaseClient,
  type WebSocketLikeConstructor,
} from '@supabase/supabase-js';

export type PgFilter = RealtimePostgresChangesFilter<`${REALTIME_POSTGRES_CHANGES_LISTEN_EVENT}`>;

export interface TestClientOptions {
  key?: string;
  vsn?: '1.0.0' | '2.0.0';
  /** Default 250. */
  heartbeatIntervalMs?: number;
  /** Join/push timeout, default 600. */
  timeout?: number;
  /**
   * Socket reconnect delay, default 50. Use ≥ 200 in tests that hit a HEARTBEAT TIMEOUT: on that
   * path phoenix schedules the reconnect twice (from onConnClose, and from teardown's callback
   * when its 150 ms waitForSocketClosed poll ends). With a delay < ~150 ms both fire, the fresh
   * connection is torn down again, and a disconnect() landing in that window leaves the client
   * reconnecting forever (jest never exits).
   */
  reconnectMs?: number;
  /** Channel rejoin delay, default 50 (the library's 1/2/5/10 s is not configurable). */
  rejoinMs?: number;
  heartbeatCallback?: (status: string) => void;
}

interface PhoenixSocketInternals {
  rejoinAfterMs: (tries: number) => number;
  disconnect(callback: () => void, code?: number, reason?: string): void;
}

interface SocketAdapterInternals {
  getSocket(): PhoenixSocketInternals;
  disconnect(callback: () => void, code?: number, reason?: string): Promise<'ok' | 'timeout'>;
}

export function createTestClient(url: string, opts: TestClientOptions = {}): SupabaseClient {
  const supabase = createClient(url, opts.key ?? 'test-anon-key', {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: {
      transport: WebSocket as unknown as WebSocketLikeConstructor,
      heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 250,
      timeout: opts.timeout ?? 600,
      reconnectAfterMs: () => opts.reconnectMs ?? 50,
      ...(opts.vsn ? { vsn: opts.vsn } : {}),
      ...(opts.heartbeatCallback ? { heartbeatCallback: opts.heartbeatCallback } : {}),
    },
  });
  const adapter = (supabase.realtime as unknown as { socketAdapter: SocketAdapterInternals }).socketAdapter;
  // realtime-js does not forward `rejoinAfterMs`. phoenix's Channel hands socket.rejoinAfterMs to
  // its rejoin Timer when the channel is constructed, so this must happen before channel().
  adapter.getSocket().rejoinAfterMs = () => opts.rejoinMs ?? 50;
  // SocketAdapter.disconnect races phoenix's disconnect against a 10 s setTimeout that it never
  // clears, so every removeAllChannels()/disconnect() keeps Node alive for 10 s. Same call minus
  // that race (phoenix's own teardown gives up after ~1.5 s), so jest exits cleanly.
  adapter.disconnect = (callback, code, reason) =>
    new Promise((resolve) =>
      adapter.getSocket().disconnect(
        () => {
          callback();
          resolve('ok');
        },
        code,
        reason,
      ),
    );
  return supabase;
}

export interface StatusEvent {
  status: string;
  /** `err.message` of the subscribe callback. */
  message?: string;
  /** `err.cause.message` (transport failures carry the ws ErrorEvent, e.g. "Unexpected server response: 401"). */
  cause?: string;
}

export interface WatchedChannel {
  channel: RealtimeChannel;
  statuses: StatusEvent[];
  changes: Array<Record<string, unknown>>;
  system: Array<Record<string, unknown>>;
  broadcasts: Array<Record<string, unknown>>;
  count(status: string): number;
}

/** Creates and subscribes a channel, recording statuses, changes, system and broadcast messages. */
export function watchChannel(supabase: SupabaseClient, name: string, bindings: PgFilter[]): WatchedChannel {
  const statuses: StatusEvent[] = [];
  const changes: Array<Record<string, unknown>> = [];
  const system: Array<Record<string, unknown>> = [];
  const broadcasts: Array<Record<string, unknown>> = [];
  const channel = supabase.channel(name);
  for (const b of bindings) channel.on('postgres_changes', b, (p) => changes.push(p as unknown as Record<string, unknown>));
  channel.on('system', {}, (p: Record<string, unknown>) => system.push(p));
  channel.on('broadcast', { event: '*' }, (p) => broadcasts.push(p as unknown as Record<string, unknown>));
  channel.subscribe((status, err) => {
    const cause = (err?.cause as { message?: unknown } | undefined)?.message;
    statuses.push({ status, ...(err ? { message: err.message } : {}), ...(typeof cause === 'string' ? { cause } : {}) });
  });
  return { channel, statuses, changes, system, broadcasts, count: (s) => statuses.filter((e) => e.status === s).length };
}
