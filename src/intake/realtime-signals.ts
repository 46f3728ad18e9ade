import type { ChannelSpec } from './channel-spec';

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
