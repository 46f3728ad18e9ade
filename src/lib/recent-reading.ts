export interface ReadingPace {
  /** A reading serves every caller for at least this long. */
  readonly maxAgeMs: number;
  /**
   * The share of its time one reader may spend reading: a reading that took `t` is served for
   * at least `t / busyShare`, so a statement that slows as its table grows (a count over a deep
   * backlog) costs at most that share of one backend however often it is asked for.
   */
  readonly busyShare?: number;
}

/**
 * `read`, shared by every caller within its age of the reading (the one in flight included), so
 * that what several gauges or scrapers ask for at once costs one statement. A failed reading is
 * not kept: the next caller reads again.
 */
export function recentReading<T>(read: () => Promise<T>, pace: ReadingPace, now: () => number): () => Promise<T> {
  let last: { readonly atMs: number; servesMs: number; readonly value: Promise<T> } | undefined;
  return () => {
    const atMs = now();
    if (last && atMs - last.atMs < last.servesMs) return last.value;
    const value = read();
    const reading = { atMs, servesMs: pace.maxAgeMs, value };
    last = reading;
    value.then(
      () => {
        if (pace.busyShare) reading.servesMs = Math.max(pace.maxAgeMs, (now() - atMs) / pace.busyShare);
      },
      () => {
        if (last === reading) last = undefined;
      },
    );
    return value;
  };
}
