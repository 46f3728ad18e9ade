/**
 * `read`, shared by every caller within `maxAgeMs` of the reading (the one in flight included),
 * so that what several gauges or scrapers ask for at once costs one statement. A failed reading
 * is not kept: the next caller reads again.
 */
export function recentReading<T>(read: () => Promise<T>, maxAgeMs: number, now: () => number): () => Promise<T> {
  let last: { readonly atMs: number; readonly value: Promise<T> } | undefined;
  return () => {
    const atMs = now();
    if (last && atMs - last.atMs < maxAgeMs) return last.value;
    const value = read();
    const reading = { atMs, value };
    last = reading;
    value.catch(() => {
      if (last === reading) last = undefined;
    });
    return value;
  };
}
