interface Waiting<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * One statement for many callers, the way a database group-commits: at most one statement in
 * flight; what arrives meanwhile is carried together by the next one. Alone, an item goes at once
 * (no timer, no added latency); under load, one round trip serves many. Each caller's promise
 * settles with the statement that carried its item, so "written" still means written.
 */
export class BatchedStatement<T, R = void> {
  private waiting: Waiting<T, R>[] = [];
  private running = false;

  /**
   * `run` returns one result per item, in the items' order. `isolate` says of a failed batch
   * whether one item may be to blame (bad data, a constraint): its items are then run again one
   * by one, so that the others are written and only the faulty one's caller hears of it. A
   * database that is down fails them all at once, as it would have failed each.
   */
  constructor(
    private readonly run: (items: readonly T[]) => Promise<readonly R[]>,
    private readonly maxBatch = 500,
    private readonly isolate: (error: unknown) => boolean = () => false,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.running) void this.runAll();
    });
  }

  private async runAll(): Promise<void> {
    this.running = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      try {
        const results = await this.run(batch.map((w) => w.item));
        batch.forEach((w, i) => w.resolve(results[i]!));
      } catch (error) {
        if (batch.length > 1 && this.isolate(error)) {
          await this.oneByOne(batch);
          continue;
        }
        // The whole statement failed: nothing of it took effect, and every caller hears so.
        for (const w of batch) w.reject(error);
      }
    }
    this.running = false;
  }

  private async oneByOne(batch: readonly Waiting<T, R>[]): Promise<void> {
    for (const w of batch) {
      try {
        const [result] = await this.run([w.item]);
        w.resolve(result!);
      } catch (error) {
        w.reject(error);
      }
    }
  }
}
