import {
  createClient,
  type RealtimeChannel,
  type RealtimeChannelOptions,
  type SupabaseClient,
  type WebSocketLikeConstructor,
} from '@supabase/supabase-js';
import WebSocket from 'ws';

/** The part of supabase-js the intake uses; tests and other intake modes can stand in for it. */
export interface RealtimeClientLike {
  /** `options` carry a broadcast channel's `private` flag: an implementation must pass them on. */
  channel(name: string, options?: RealtimeChannelOptions): RealtimeChannel;
  removeChannel(channel: RealtimeChannel): Promise<unknown>;
  removeAllChannels(): Promise<unknown>;
}

export type HeartbeatStatus = 'sent' | 'ok' | 'error' | 'timeout' | 'disconnected';

export interface RealtimeHooks {
  readonly onHeartbeat: (status: HeartbeatStatus) => void;
  /** realtime-js threw while decoding or routing `frame` (the socket's text or bytes); the socket lives on. */
  readonly onFrameError: (error: unknown, frame: unknown) => void;
}

export interface RealtimeClientOptions extends RealtimeHooks {
  readonly url: string;
  readonly apiKey: string;
  readonly heartbeatIntervalMs: number;
  readonly joinTimeoutMs: number;
  /** Socket reconnect backoff; realtime-js defaults to 1, 2, 5, 10 s. */
  readonly reconnectAfterMs?: (tries: number) => number;
}

export function createRealtimeClient(options: RealtimeClientOptions): SupabaseClient {
  return createClient(options.url, options.apiKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: {
      // `ws`, not Node's global WebSocket: the WHATWG one hides the HTTP status of a refused upgrade
      // (a bare TypeError), so a rejected key would show on /readyz as "channel error", not "401".
      transport: guardedWebSocket(options.onFrameError) as unknown as WebSocketLikeConstructor,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      timeout: options.joinTimeoutMs,
      heartbeatCallback: (status) => options.onHeartbeat(status as HeartbeatStatus),
      ...(options.reconnectAfterMs ? { reconnectAfterMs: options.reconnectAfterMs } : {}),
    },
  });
}

/**
 * `ws` with a guarded `onmessage`. realtime-js assumes well-formed frames: one with `data: null`
 * makes it throw inside the socket's message handler, which would be an uncaught exception and
 * take the whole worker down. Catching it here loses that one frame and nothing else, and hands
 * the frame on so the intake can still say what was wrong with the change in it.
 */
export function guardedWebSocket(onFrameError: (error: unknown, frame: unknown) => void): typeof WebSocket {
  class GuardedWebSocket extends WebSocket {}
  const inherited = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
  if (!inherited?.set || !inherited.get) return WebSocket;
  Object.defineProperty(GuardedWebSocket.prototype, 'onmessage', {
    configurable: true,
    enumerable: true,
    get(this: WebSocket) {
      return inherited.get!.call(this);
    },
    set(this: WebSocket, handler: unknown) {
      if (typeof handler !== 'function') return inherited.set!.call(this, handler);
      inherited.set!.call(this, (event: WebSocket.MessageEvent) => {
        try {
          (handler as (event: WebSocket.MessageEvent) => void).call(this, event);
        } catch (error) {
          onFrameError(error, event.data);
        }
      });
    },
  });
  return GuardedWebSocket;
}
