const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Microseconds since the epoch of a PostgreSQL timestamp as any path prints it: Realtime's
 * `2026-01-02T03:04:05.123456+00:00`, to_jsonb in another session time zone, `…Z`, or a
 * `timestamp without time zone` (read as UTC, which is how Supabase sessions store it).
 * A JavaScript Date would keep milliseconds only, and two writes in one millisecond would then
 * look like one version.
 */
export function toEpochMicros(text: string): bigint | null {
  const m = TIMESTAMP.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, fraction = '', zone = 'Z'] = m;
  const seconds = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000;
  if (!Number.isFinite(seconds)) return null;
  return (BigInt(seconds) - BigInt(offsetSeconds(zone))) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
}

function offsetSeconds(zone: string): number {
  if (zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || '0') * 60);
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
