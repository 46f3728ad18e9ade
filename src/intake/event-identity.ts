import { createHash } from 'node:crypto';

function digest(parts: readonly string[]): string {
  // A unit separator cannot appear in identifiers or ISO timestamps, so joined parts never collide.
  return createHash('sha256').update(parts.join('\u001f')).digest('hex').slice(0, 32);
}

export interface EventIdentityParts {
  readonly schema: string;
  readonly table: string;
  readonly operation: string;
  readonly primaryKey: Readonly<Record<string, string | number>>;
  readonly commitTimestamp: string;
}

/**
 * One id per row change. Built only from what every intake path (Realtime, catch-up query,
 * broadcast) can see, so copies of one change from different paths collapse to one id.
 */
export function eventId({ schema, table, operation, primaryKey, commitTimestamp }: EventIdentityParts): string {
  const key = Object.keys(primaryKey)
    .sort()
    .map((column) => `${column}=${String(primaryKey[column])}`)
    .join('&');
  const commitMs = new Date(commitTimestamp).getTime();
  return `evt_${digest([schema, table, operation, key, String(commitMs)])}`;
}

/**
 * One id per (event, channel, recipient): the idempotency key everywhere, so it must never include
 * anything that differs between attempts. Contains no "." because Standard Webhooks forbids it.
 */
export function deliveryId(eventIdValue: string, channel: string, recipient: string): string {
  return `dlv_${digest([eventIdValue, channel, recipient])}`;
}
