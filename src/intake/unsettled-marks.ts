/**
 * Changes handed on whose outcome is not known yet, each with its place in the cursor's order
 * (an outbox id, a stamp in epoch microseconds). A cursor never persists a position past the
 * lowest of them: if one fails, it must still be ahead of the cursor to be read again.
 *
 * A failed one stays until a catch-up pass that began after the failure has read past it: the
 * pass hands it on again (a fresh hold) or does not find it (the row is gone, or a newer version
 * replaced it, which is handed on by itself), and either way it no longer holds the cursor back.
 */
export class UnsettledMarks<K, O extends number | bigint> {
  private readonly marks = new Map<K, { readonly order: O; failed: boolean }>();

  hold(key: K, order: O): void {
    this.marks.set(key, { order, failed: false });
  }

  settle(key: K): void {
    this.marks.delete(key);
  }

  fail(key: K): void {
    const mark = this.marks.get(key);
    if (mark) mark.failed = true;
  }

  /** Taken when a catch-up pass begins; give them to dropRead() once it has read to the end. */
  failedKeys(): K[] {
    return [...this.marks].filter(([, m]) => m.failed).map(([key]) => key);
  }

  dropRead(keys: readonly K[]): void {
    for (const key of keys) if (this.marks.get(key)?.failed) this.marks.delete(key);
  }

  lowest(): O | null {
    let min: O | null = null;
    for (const { order } of this.marks.values()) if (min === null || order < min) min = order;
    return min;
  }

  get size(): number {
    return this.marks.size;
  }
}
