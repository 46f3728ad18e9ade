/**
 * Event ids as the README's recipe defines them, written out here on purpose and NOT imported
 * from src/intake: a test that computed its expectation with the product's own function would
 * pass whatever that function does. The timestamp part is PostgreSQL's own microseconds since the
 * epoch (extract(epoch …) is exact numeric), so no JavaScript date parsing is trusted either.
 */
import { createHash } from 'node:crypto';

/** The README: sha256 over the parts joined by U+001F, the first 32 hex digits, after `evt_`. */
function evt(parts: readonly string[]): string {
  return `evt_${createHash('sha256').update(parts.join('\u001f')).digest('hex').slice(0, 32)}`;
}

/** SQL for a timestamptz column's microseconds since the epoch, as text. */
export const epochMicrosSql = (column: string): string => `(extract(epoch from ${column}) * 1000000)::bigint::text`;

/** Outbox mode: the outbox row (its table, id and capture time in µs). */
export function expectedOutboxEventId(schema: string, outboxId: string, changedAtMicros: string): string {
  return evt(['outbox', schema, 'change_outbox', outboxId, `t${changedAtMicros}`]);
}

/** Table mode with a version column: the row's key and its version time in µs. */
export function expectedVersionedEventId(schema: string, table: string, operation: string, key: Record<string, string>, versionMicros: string): string {
  const keyText = Object.keys(key)
    .sort()
    .map((column) => `${column}=${key[column]}`)
    .join('&');
  return evt([schema, table, operation, keyText, 'version', `t${versionMicros}`]);
}
