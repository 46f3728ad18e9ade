/**
 * Realtime's own ceiling on one change (`max_record_bytes`, 1 MiB): above it the server sends
 * the `Error 413` shape instead of the rows. Catch-up reads rows straight from PostgreSQL, and a
 * non-conforming server could push anything, so the worker holds every path to the same limit.
 */
export const MAX_CHANGE_BYTES = 1_048_576;

/** The size of the rows of one change as JSON text, in bytes. */
export function changeBytes(...rows: readonly unknown[]): number {
  let bytes = 0;
  for (const row of rows) {
    if (row === null || row === undefined) continue;
    const text = JSON.stringify(row) as string | undefined;
    bytes += text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
  }
  return bytes;
}
