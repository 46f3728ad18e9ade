import type { Routed } from './routed-change';

/** One change as a mode's driver sees it, live or read back. */
export interface DriverItem<M> {
  readonly routed: Routed;
  /** What moves the cursor once the change is dealt with; null when nothing should. */
  readonly mark: M | null;
  /** It arrived damaged (a payload Realtime truncated): catch-up should read it back whole. */
  readonly incomplete?: boolean;
}

/** How one intake mode turns payloads into changes and reads back what it missed. */
export interface StreamDriver<M> {
  live(payload: unknown): DriverItem<M>;
  /** Null for a mode without catch-up (table mode without `catchUp`). */
  readonly catchUp: CatchUpDriver<M> | null;
}

export interface CatchUpDriver<M> {
  /**
   * Resumes from a saved position, or (null, or a position that does not parse) starts after
   * what the database holds now. True when it resumed.
   */
  open(saved: unknown): Promise<boolean>;
  /**
   * Pages from the cursor, oldest first; the caller deals with one before asking for the next.
   * Read to the end, a pass also lets go of failed marks it has read past (see UnsettledMarks).
   */
  pages(): AsyncGenerator<ReadonlyArray<DriverItem<M>>>;
  /** Dealt with already (before a restart, or live): catch-up skips it. */
  handled(mark: M): boolean;
  /** Handed on, outcome unknown: the saved position must not pass it until note() or fail(). */
  hold(mark: M): void;
  /** Its copy failed: the position stays below it until a catch-up pass has read it again. */
  fail(mark: M): void;
  note(mark: M): void;
  /** What to save; may ask the database (a broadcast's time is only known there). */
  position(): Promise<unknown>;
  describe(): string;
}
