import { UnsettledMarks } from './unsettled-marks';

/** The persisted form: every id up to `after` is dealt with, and so are the ranges in `seen`. */
export interface GapPosition {
  readonly after: number;
  readonly seen: ReadonlyArray<readonly [number, number]>;
}

/**
 * A cursor over a bigserial outbox. Ids are taken when a row is written but become visible at
 * commit, so id 105 can be read while 104 is still in flight: a plain "max id seen" would then
 * skip 104 for good. This cursor stays below the oldest missing id, remembering the handled ids
 * above it, until the gap fills or is older than `graceMs` (a rolled-back insert, or a sequence
 * value cached by another session, leaves a gap that never fills).
 *
 * Limit: a transaction open longer than the grace that commits while the socket is down is
 * missed. Raise `outbox.gapGraceMs` if such transactions write to captured tables.
 */
export class GapCursor {
  private after: number;
  private readonly seen = new Set<number>();
  private gapSince: number | null = null;
  /** Handed on, outcome unknown: even an expired gap is never skipped past one of these. */
  private readonly unsettled = new UnsettledMarks<number, number>();

  constructor(
    position: GapPosition,
    private readonly graceMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxSeen = 100_000,
  ) {
    this.after = position.after;
    for (const [from, to] of position.seen) for (let id = from; id <= to; id++) if (id > this.after) this.seen.add(id);
    this.settle();
  }

  static parse(value: unknown): GapPosition | null {
    const v = value as { after?: unknown; seen?: unknown } | null;
    if (!v || typeof v.after !== 'number' || !Number.isSafeInteger(v.after)) return null;
    const ranges = Array.isArray(v.seen) ? v.seen : [];
    const seen = ranges.filter(
      // A range longer than any real backlog is damage, not progress: re-reading is the safe side.
      (r): r is [number, number] =>
        Array.isArray(r) && r.length === 2 && Number.isSafeInteger(r[0]) && Number.isSafeInteger(r[1]) && r[0] <= r[1] && r[1] - r[0] < 1_000_000,
    );
    return { after: v.after, seen };
  }

  /** Catch-up reads ids above this. */
  get readAfter(): number {
    return this.after;
  }

  handled(id: number): boolean {
    return id <= this.after || this.seen.has(id);
  }

  hold(id: number): void {
    if (id > this.after) this.unsettled.hold(id, id);
  }

  /** Its copy failed: the cursor stays below it until a catch-up pass has read past it. */
  fail(id: number): void {
    this.unsettled.fail(id);
  }

  failedKeys(): number[] {
    return this.unsettled.failedKeys();
  }

  dropRead(ids: readonly number[]): void {
    this.unsettled.dropRead(ids);
    this.settle();
  }

  note(id: number): void {
    this.unsettled.settle(id);
    if (id <= this.after) return;
    this.seen.add(id);
    this.settle();
  }

  toJSON(): GapPosition {
    this.settle();
    return { after: this.after, seen: ranges([...this.seen].sort((a, b) => a - b)) };
  }

  describe(): string {
    return this.seen.size === 0 ? `id>${this.after}` : `id>${this.after} (+${this.seen.size} above a gap)`;
  }

  private settle(): void {
    for (;;) {
      const before = this.after;
      while (this.seen.delete(this.after + 1)) this.after += 1;
      // The gap being timed is the one right above `after`: a new one starts its own clock.
      if (this.after !== before || this.seen.size === 0) this.gapSince = null;
      if (this.seen.size === 0) return;
      const now = this.now();
      this.gapSince ??= now;
      if (now - this.gapSince < this.graceMs && this.seen.size <= this.maxSeen) return;
      const skipTo = Math.min(this.lowestSeen(), this.unsettled.lowest() ?? Number.POSITIVE_INFINITY) - 1;
      if (skipTo <= this.after) return;
      this.after = skipTo;
    }
  }

  private lowestSeen(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const id of this.seen) if (id < min) min = id;
    return min;
  }
}

function ranges(sorted: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const id of sorted) {
    const last = out.at(-1);
    if (last && last[1] + 1 === id) last[1] = id;
    else out.push([id, id]);
  }
  return out;
}
