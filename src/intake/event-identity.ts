import { hash } from 'node:crypto';

function digest(parts: readonly string[]): string {
  // A unit separator cannot appear in identifiers or ISO timestamps, so joined parts never collide.
  // The one-shot hash() is a third of createHash()'s cost, and every planned delivery pays it.
  return hash('sha256', parts.join('\u001f'), 'hex').slice(0, 32);
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
  const commitMs = new Date(commitTimestamp).getTime();
  return `evt_${digest([schema, table, operation, keyText(primaryKey), String(commitMs)])}`;
}

function keyText(primaryKey: Readonly<Record<string, string | number>>): string {
  return Object.keys(primaryKey)
    .sort()
    .map((column) => `${column}=${String(primaryKey[column])}`)
    .join('&');
}

/**
 * A catch-up query cannot see Realtime's commit time, but both paths see the row itself: with a
 * row-version column the id is built from that instead (`stamp` from versionStamp()). Six parts
 * where eventId() has five, so the two kinds of id can never coincide.
 */
export function versionedEventId(parts: Omit<EventIdentityParts, 'commitTimestamp'> & { readonly stamp: string }): string {
  return `evt_${digest([parts.schema, parts.table, parts.operation, keyText(parts.primaryKey), 'version', parts.stamp])}`;
}

/**
 * Outbox mode: the outbox row is the change, whether Realtime pushed it or catch-up read it. Its
 * id alone would repeat if the table were ever recreated (the sequence restarts), and the
 * delivery ledger downstream would then take a new change for an old one; the capture time
 * (`changedAtStamp` from versionStamp()) rules that out.
 */
export function outboxEventId(schema: string, outboxTable: string, outboxId: number | string, changedAtStamp: string): string {
  return `evt_${digest(['outbox', schema, outboxTable, String(outboxId), changedAtStamp])}`;
}

/** Broadcast mode: the realtime.messages id, which is also the broadcast's meta.id. */
export function broadcastEventId(messageId: string): string {
  return `evt_${digest(['broadcast', messageId.toLowerCase()])}`;
}

/**
 * One id per (event, channel, recipient): the idempotency key everywhere, so it must never include
 * anything that differs between attempts. Contains no "." because Standard Webhooks forbids it.
 */
export function deliveryId(eventIdValue: string, channel: string, recipient: string): string {
  return `dlv_${digest([eventIdValue, channel, recipient])}`;
}
