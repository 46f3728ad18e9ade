import type { CatchUpDriver } from './stream-driver';

// Live progress held while the cursor cannot be loaded (database down); past this the oldest go,
// and a restart may hand those on again.
const MAX_EARLY_MARKS = 100_000;

/**
 * What a stream tells its cursor about each change: handed on and undecided (hold), kept (note),
 * not kept (fail). Until the cursor is open and saved they wait here, and are replayed into it
 * on attach().
 */
export class CursorMarks {
  private attached = false;
  private readonly early: unknown[] = [];
  private readonly undecidedEarly = new Set<unknown>();
  /** Something was noted since the last save. */
  dirty = false;

  constructor(private readonly cursor: CatchUpDriver<unknown> | null) {}

  attach(): void {
    if (!this.cursor || this.attached) return;
    this.attached = true;
    for (const mark of this.undecidedEarly) this.cursor.hold(mark);
    this.undecidedEarly.clear();
    for (const mark of this.early.splice(0)) this.cursor.note(mark);
  }

  /** Until it settles, the saved position must not pass this change. */
  hold(mark: unknown): void {
    if (mark === null || mark === undefined || !this.cursor) return;
    if (this.attached) this.cursor.hold(mark);
    else this.undecidedEarly.add(mark);
  }

  fail(mark: unknown): void {
    if (mark === null || mark === undefined || !this.cursor) return;
    if (this.attached) this.cursor.fail(mark);
    this.undecidedEarly.delete(mark);
  }

  note(mark: unknown): void {
    if (mark === null || mark === undefined || !this.cursor) return;
    this.undecidedEarly.delete(mark);
    if (this.attached) this.cursor.note(mark);
    else if (this.early.push(mark) > MAX_EARLY_MARKS) this.early.shift();
    this.dirty = true;
  }
}
