/**
 * Remembers ids seen within a time window, bounded in size. A Map iterates in insertion order,
 * so the oldest entries are always first and eviction is a walk from the front.
 */
export class DedupeWindow {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True the first time an id is offered inside the window, false for a repeat. */
  firstSighting(id: string): boolean {
    const now = this.now();
    this.evict(now);
    if (this.seen.has(id)) return false;
    this.seen.set(id, now);
    return true;
  }

  /** Lets a later copy through again, e.g. when the first could not be handed on. */
  forget(id: string): void {
    this.seen.delete(id);
  }

  get size(): number {
    return this.seen.size;
  }

  private evict(now: number): void {
    for (const [id, at] of this.seen) {
      if (now - at < this.windowMs && this.seen.size < this.maxEntries) break;
      this.seen.delete(id);
    }
  }
}
