/** How the intake opens a Realtime channel for a stream, and reads what the channel tells it. */
import type { RealtimeChannel, RealtimePostgresChangesFilter } from '@supabase/supabase-js';
import type { ChannelSpec } from './channel-spec';
import type { RealtimeClientLike } from './realtime-client';

/** What a channel's `system` messages carry. */
export interface SystemPayload {
  extension?: string;
  status?: string;
  message?: string;
}

/**
 * postgres_changes is live on "Subscribed to PostgreSQL". Database broadcasts flow once the
 * server's replication connection is up, which it announces to channels that asked with
 * replication_ready; "Server requested disconnect" is also a system/ok message, hence the text.
 */
export function isLiveSignal(spec: ChannelSpec, payload: SystemPayload): boolean {
  if (spec.kind === 'postgres_changes') return payload.extension === 'postgres_changes';
  return payload.extension === 'system' && /replication connection established/i.test(payload.message ?? '');
}

export function describeChannelError(error: Error | undefined): string {
  if (!error) return 'channel error';
  // The cause of a transport failure is a ws ErrorEvent, not an Error; it holds the HTTP status.
  const causeMessage = (error.cause as { message?: unknown } | undefined)?.message;
  const cause = typeof causeMessage === 'string' && causeMessage !== error.message ? `: ${causeMessage}` : '';
  return `${error.message}${cause}`.slice(0, 300);
}

/** A channel for one spec, its changes bound to `deliver`; `name` is used for postgres_changes only. */
export function openChannel(client: RealtimeClientLike, name: string, spec: ChannelSpec, deliver: (payload: unknown) => void): RealtimeChannel {
  if (spec.kind === 'broadcast') {
    // The channel is named by the topic the trigger sends to. replication_ready asks the server
    // to say when its replication connection (the only way database broadcasts get out) is up.
    const channel = client.channel(spec.topic, { config: { private: spec.private, broadcast: { replication_ready: true } } });
    return channel.on('broadcast', { event: '*' }, deliver);
  }
  const channel = client.channel(name);
  // A '*' binding unless the stream needs one operation, filtered here: a typed binding makes
  // realtime-js read fields of the frame that a malformed frame may lack, and that would throw
  // inside the socket handler (the guarded transport counts it as an undecodable frame).
  const binding = { event: spec.event, schema: spec.schema, table: spec.table, ...(spec.filter ? { filter: spec.filter } : {}) };
  // Typed as '*': that overload's callback takes every payload shape; the event is sent as is.
  return channel.on('postgres_changes', binding as RealtimePostgresChangesFilter<'*'>, deliver);
}
