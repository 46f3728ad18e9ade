import type { LimiterClock } from '../../src/deliver/rate-limiter';

/** A clock moved by hand: `advance` runs, in time order, whatever became due. */
export class ManualClock implements LimiterClock {
  private nowMs: number;
  private readonly due = new Map<number, { atMs: number; run: () => void }>();
  private sequence = 0;

  constructor(startMs = 1_700_000_000_000) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  after(ms: number, run: () => void): () => void {
    const id = (this.sequence += 1);
    this.due.set(id, { atMs: this.nowMs + ms, run });
    return () => this.due.delete(id);
  }

  /** Wake-ups not yet due. */
  pending(): number {
    return this.due.size;
  }

  advance(ms: number): void {
    const target = this.nowMs + ms;
    for (;;) {
      const next = [...this.due.entries()].sort((a, b) => a[1].atMs - b[1].atMs)[0];
      if (!next || next[1].atMs > target) break;
      this.due.delete(next[0]);
      this.nowMs = next[1].atMs;
      next[1].run();
    }
    this.nowMs = target;
  }
}
