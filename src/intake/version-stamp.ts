import { timestampMicros } from './timestamp-text';

/**
 * Microseconds since the epoch of a PostgreSQL timestamp as any path prints it: Realtime's
 * `2026-01-02T03:04:05.123456+00:00`, to_jsonb in another session time zone, `…Z`, or a
 * `timestamp without time zone` (read as UTC, which is how Supabase sessions store it).
 * A JavaScript Date would keep milliseconds only, and two writes in one millisecond would then
 * look like one version. A date that is not on the calendar is no timestamp.
 */
export function toEpochMicros(text: string): bigint | null {
  return timestampMicros(text);
}

/**
 * A row version as the same text on every path: timestamps by their instant, anything else
 * (an integer version counter, say) by its JSON form. The prefix keeps the two apart.
 */
export function versionStamp(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    const micros = toEpochMicros(value);
    if (micros !== null) return `t${micros}`;
  }
  return `v${JSON.stringify(value)}`;
}
