import type { Logger } from '../lib/logger';

export interface LiveSheddingOptions {
  readonly stream: string;
  /**
   * Whether this stream's catch-up reads back every change the live path would have handed on,
   * deletes included (outbox and broadcast modes). Table mode's reads rows, and a deleted row is
   * gone: it never sheds.
   */
  readonly readsBackEverything: boolean;
  /** Deciding is too far behind to take more changes into memory; null: never shed. */
  readonly overloaded: (() => boolean) | null;
  readonly logger: Logger;
  readonly now: () => number;
  /** Each live change left to catch-up, e.g. for a counter. */
  readonly onShed?: () => void;
}

/**
 * Intake back-pressure. Realtime pushes changes at the pace they are written, whatever the
 * worker can decide: on a wedding Saturday on a saturated machine (bench/ figure 11: 500 written
 * a second, ~256 decided) every change not decided yet waited in memory, and the heap grew by
 * the backlog itself, ~4.5 KB a change, until the container would be killed.
 *
 * Here, once deciding is behind (`overloaded`), the stream leaves live changes in the database,
 * as if its socket were down, and catch-up reads them back page by page, a page once the last
 * is decided: the backlog waits in the outbox, at the pace of deciding, with the cursor's
 * guarantees. Live changes are taken again only after a catch-up pass has read to the end, so a
 * change is never read live ahead of an older one still in the database behind a pass that is
 * minutes away from it (the outbox cursor would let that gap expire).
 */
export class LiveShedding {
  private sinceMs: number | null = null;
  private shed = 0;

  constructor(private readonly o: LiveSheddingOptions) {}

  /** Whether this live change is to be left for catch-up (the caller requests one). */
  sheds(): boolean {
    if (!this.o.readsBackEverything || !this.o.overloaded) return false;
    if (this.sinceMs === null) {
      if (!this.o.overloaded()) return false;
      this.sinceMs = this.o.now();
      this.shed = 0;
      this.o.logger.warn({ subscription: this.o.stream, alert: true }, 'deciding is behind: live changes are left in the database and read back by catch-up');
    }
    this.shed += 1;
    this.o.onShed?.();
    return true;
  }

  /**
   * A catch-up pass has read to the end. True when shedding ends with it: live changes are taken
   * again, and the caller requests one more pass for those shed while this one finished.
   */
  caughtUp(): boolean {
    if (this.sinceMs === null || this.o.overloaded?.()) return false;
    this.o.logger.info({ subscription: this.o.stream, shed: this.shed, forMs: this.o.now() - this.sinceMs }, 'deciding caught up: live changes taken again');
    this.sinceMs = null;
    return true;
  }

  /** For /readyz: since when, and how many live changes were left to catch-up; null when not shedding. */
  state(): { readonly sinceMs: number; readonly shed: number } | null {
    return this.sinceMs === null ? null : { sinceMs: this.sinceMs, shed: this.shed };
  }
}
