const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})([T ])(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Microseconds since the epoch of an ISO-8601 instant: `YYYY-MM-DDTHH:MM:SS[.fraction]` with `Z`
 * or an offset, as Realtime and to_jsonb print commit times. Anything else is null, including
 * what `Date.parse` would guess at ("2024", "Tue Mar 05 2024") and dates that are not on the
 * calendar (2026-02-30, which `Date.UTC` would roll over to March 2).
 */
export function isoInstantMicros(text: unknown): bigint | null {
  return parse(text, true);
}

/**
 * The same, but also a PostgreSQL print without a zone (`timestamp without time zone`, read as
 * UTC, which is how Supabase sessions store it) and with a space for the `T`: a row version's
 * column may be either type.
 */
export function timestampMicros(text: unknown): bigint | null {
  return parse(text, false);
}

function parse(text: unknown, strict: boolean): bigint | null {
  if (typeof text !== 'string') return null;
  const m = TIMESTAMP.exec(text);
  if (!m) return null;
  const [, y, mo, d, separator, h, mi, s, fraction = '', zone] = m;
  if (strict && (separator !== 'T' || zone === undefined)) return null;
  const fields = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)] as const;
  const epochSeconds = calendarSeconds(...fields);
  const offset = offsetSeconds(zone ?? 'Z');
  if (epochSeconds === null || offset === null) return null;
  return (BigInt(epochSeconds) - BigInt(offset)) * 1_000_000n + BigInt(fraction.slice(0, 6).padEnd(6, '0'));
}

/** Seconds since the epoch, or null unless every field survives the round trip through a Date. */
function calendarSeconds(year: number, month: number, day: number, hour: number, minute: number, second: number): number | null {
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0–99 as 1900–1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const same =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return same ? date.getTime() / 1000 : null;
}

function offsetSeconds(zone: string): number | null {
  if (zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4) || '0');
  if (hours > 23 || minutes > 59) return null;
  return sign * (hours * 3600 + minutes * 60);
}
