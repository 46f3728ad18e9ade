import type { RealtimeChannelOptions } from '@supabase/supabase-js';
import { createRealtimeClient, type RealtimeClientLike, type RealtimeHooks } from '../../src/intake/realtime-client';

export interface FastClientOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly heartbeatIntervalMs: number;
  readonly joinTimeoutMs: number;
}

/**
 * The production client factory (the real supabase-js client) with test timings: fast reconnects
 * and rejoins, channel options passed through (a broadcast channel's `private` flag travels in
 * them). `rejoinAfterMs` is internal to the pinned realtime-js 2.119.0 and must be set before
 * channels are created.
 */
export function fastClientFactory(options: FastClientOptions) {
  return (hooks: RealtimeHooks): RealtimeClientLike => {
    const client = createRealtimeClient({
      ...options,
      // Under ~150 ms a heartbeat timeout schedules two reconnects that can outlive disconnect().
      reconnectAfterMs: () => 200,
      ...hooks,
    });
    const realtime = client.realtime as unknown as RealtimeInternals;
    realtime.socketAdapter.getSocket().rejoinAfterMs = () => 100;
    return {
      channel: (name: string, channelOptions?: RealtimeChannelOptions) => client.channel(name, channelOptions),
      removeChannel: (channel) => client.removeChannel(channel),
      // realtime-js 2.119 disconnect() arms a 10 s timer it never clears, and removing the last
      // channel schedules a second disconnect; either keeps Jest alive after the last test. Same
      // steps as removeAllChannels(), minus both timers. main.ts exits explicitly, so production
      // is not held up by them.
      async removeAllChannels() {
        await Promise.all(
          client.getChannels().map(async (channel) => {
            await channel.unsubscribe();
            channel.teardown();
          }),
        );
        realtime._cancelPendingDisconnect();
        await realtime.socketAdapter.disconnect(() => undefined, undefined, undefined, 20);
      },
    };
  };
}

interface RealtimeInternals {
  _cancelPendingDisconnect(): void;
  socketAdapter: {
    getSocket(): { rejoinAfterMs: () => number };
    disconnect(callback: () => void, code?: number, reason?: string, timeoutMs?: number): Promise<unknown>;
  };
}
