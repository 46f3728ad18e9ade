import type { CatchUpDriver } from './stream-driver';
import { UnsettledMarks } from './unsettled-marks';
import { toEpochMicros } from './version-stamp';

/**
 * The persisted form: the newest stamp handled, and the keys handled within the overlap below
 * it (key, stamp in epoch microseconds), which catch-up reads again and must not hand on twice.
 */
export interface TimePosition {
  readonly at: string | null;
  readonly recent: ReadonlyArray<readonly [string, string]>;
}

/**
 * A cursor over rows stamped at transaction START (`updated_at := now()`, realtime.messages'
 * `inserted_at`): a transaction that began earlier can commit after later stamps were read, so
 * catch-up re-reads `overlapMs` below the newest stamp. The keys handled in that overlap are
 * remembered and persisted, so a restart (with an empty dedupe window) does not hand them on
 * again. A transaction longer than the overlap that commits while the socket is down is missed.
 */
export class TimeCursor {
  private atText: string | null;
  private atMicros: bigint | null;
  private readonly recent = new Map<string, bigint>();
  /** Keys handled live whose stamp is not known yet (a broadcast carries none). */
  private readonly unstamped = new Set<string>();
  /** Handed on, outcome unknown: the persisted position stays at or below the oldest. */
  private readonly unsettled = new UnsettledMarks<string, bigint>();

  constructor(
    position: TimePosition,
    private readonly overlapMs: number,
    private readonly maxRecent = 20_000,
  ) {
    this.atText = position.at;
    this.atMicros = position.at === null ? null : toEpochMicros(position.at);
    for (const [key, micros] of position.recent) if (/^-?\d+$/.test(micros)) this.recent.set(key, BigInt(micros));
  }

  static parse(value: unknown): TimePosition | null {
    const v = value as { at?: unknown; recent?: unknown } | null;
    if (!v || (v.at !== null && (typeof v.at !== 'string' || toEpochMicros(v.at) === null))) return null;
    const recent = (Array.isArray(v.recent) ? v.recent : []).filter(
      (r): r is [string, string] => Array.isArray(r) && r.length === 2 && typeof r[0] === 'string' && typeof r[1] === 'string',
    );
    return { at: v.at, recent };
  }

  /**
   * Catch-up reads stamps above this minus the overlap; null: from the beginning. The newest
   * stamp dealt with, unless an older change is still unsettled: then that one's stamp.
   */
  get at(): string | null {
    const held = this.unsettled.lowest();
    return held !== null && (this.atMicros === null || held < this.atMicros) ? microsToIso(held) : this.atText;
  }

  handled(key: string): boolean {
    return this.recent.has(key);
  }

  /** Handed on, not settled yet. A key without a stamp (a live broadcast) cannot be placed. */
  hold(key: string, stamp: string | null): void {
    const micros = stamp === null ? null : toEpochMicros(stamp);
    if (micros !== null) this.unsettled.hold(key, micros);
  }

  /** Its copy failed: it keeps the cursor back until a catch-up pass has read past it. */
  fail(key: string): void {
    this.unsettled.fail(key);
  }

  failedKeys(): string[] {
    return this.unsettled.failedKeys();
  }

  dropRead(keys: readonly string[]): void {
    this.unsettled.dropRead(keys);
  }

  note(key: string, stamp: string | null): void {
    this.unsettled.settle(key);
    const micros = stamp === null ? null : toEpochMicros(stamp);
    if (stamp === null || micros === null) {
      this.unstamped.add(key);
      return;
    }
    this.unstamped.delete(key);
    this.recent.set(key, micros);
    if (this.atMicros === null || micros > this.atMicros) {
      this.atMicros = micros;
      this.atText = stamp;
    }
  }

  unstampedKeys(): string[] {
    return [...this.unstamped];
  }

  /** Keys whose stamp could not be found (the row is gone): nothing left to re-read. */
  dropUnstamped(keys: readonly string[]): void {
    for (const key of keys) this.unstamped.delete(key);
  }

  toJSON(): TimePosition {
    this.prune();
    return { at: this.at, recent: [...this.recent].map(([key, micros]) => [key, String(micros)] as const) };
  }

  describe(): string {
    const at = this.at;
    return at === null ? 'from the start' : `after ${at} - ${this.overlapMs} ms`;
  }

  private prune(): void {
    const at = this.at === null ? null : toEpochMicros(this.at);
    if (at === null) return;
    // Catch-up re-reads everything above this: what it would find again must stay remembered.
    const floor = at - BigInt(this.overlapMs) * 1000n;
    for (const [key, micros] of this.recent) if (micros < floor) this.recent.delete(key);
    // Past the cap the oldest go first: at worst they are handed on again after a restart, and
    // the delivery ledger downstream drops a repeat by its delivery id.
    const excess = this.recent.size - this.maxRecent;
    if (excess > 0) [...this.recent].sort((a, b) => (a[1] < b[1] ? -1 : 1)).slice(0, excess).forEach(([key]) => this.recent.delete(key));
  }
}

/** An instant as ISO-8601 UTC with microseconds, which PostgreSQL and toEpochMicros read back exactly. */
function microsToIso(micros: bigint): string {
  const ms = micros / 1000n;
  const extra = String(micros % 1000n).padStart(3, '0');
  return new Date(Number(ms)).toISOString().replace('Z', `${extra}Z`);
}

/**
 * A stream's first start hands on nothing older than itself, but its first catch-up re-reads the
 * overlap below the newest stamp: those rows are history, so they are marked handled up front.
 * Rows stamped after the starting point are new changes and stay unmarked.
 */
export async function primeTimeCursor(driver: CatchUpDriver<{ readonly key: string; readonly stamp: string | null }>, cursor: TimeCursor): Promise<void> {
  const start = cursor.at === null ? null : toEpochMicros(cursor.at);
  if (start === null) return;
  for await (const page of driver.pages()) {
    for (const { mark } of page) {
      const micros = mark?.stamp ? toEpochMicros(mark.stamp) : null;
      if (!mark || micros === null) continue;
      if (micros > start) return;
      cursor.note(mark.key, mark.stamp);
    }
  }
}
