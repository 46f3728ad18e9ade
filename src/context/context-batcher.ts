import type { ContextReference, ContextResult } from './event-context';

export interface ContextBatchOptions {
  /** References read by one statement at most: keeps each statement far inside statement_timeout. */
  readonly maxSize: number;
  /** Statements of this batcher running at once; what arrives meanwhile waits and goes together. */
  readonly maxInFlight: number;
}

export const DEFAULT_CONTEXT_BATCH: ContextBatchOptions = { maxSize: 64, maxInFlight: 2 };

/** Reads many contexts in one statement, in order; an Error in the array fails that reference only. */
export type LoadContexts = (references: readonly ContextReference[]) => Promise<(ContextResult | Error)[]>;

interface Waiting {
  readonly reference: ContextReference;
  readonly resolve: (result: ContextResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * DataLoader-style batching of context reads. A burst of changes decided together misses the
 * cache once per wedding; instead of a statement each, the references asked for in the same turn
 * of the event loop, and all those that arrive while `maxInFlight` statements are running, are
 * read by one statement. Nothing here caches or deduplicates: the tenant cache in front of it
 * single-flights per (organization, wedding) and decides what is kept and what invalidated.
 */
export function createContextBatcher(loadMany: LoadContexts, { maxSize, maxInFlight }: ContextBatchOptions): (reference: ContextReference) => Promise<ContextResult> {
  const waiting: Waiting[] = [];
  let running = 0;
  let scheduled = false;

  const run = async (batch: Waiting[]): Promise<void> => {
    try {
      const results = await loadMany(batch.map((w) => w.reference));
      batch.forEach((w, i) => {
        const result = results[i];
        if (result === undefined) w.reject(new Error('context batch returned fewer results than references'));
        else if (result instanceof Error) w.reject(result);
        else w.resolve(result);
      });
    } catch (error) {
      // The statement itself failed (its deadline, the database away): every reference in it.
      for (const w of batch) w.reject(error);
    }
  };

  const flush = (): void => {
    scheduled = false;
    while (running < maxInFlight && waiting.length > 0) {
      running += 1;
      void run(waiting.splice(0, maxSize)).finally(() => {
        running -= 1;
        schedule();
      });
    }
  };

  // setImmediate, not a microtask: the changes of one Realtime frame or one outbox poll are
  // handed to the decide stage across several microtask turns; a macrotask collects them all.
  function schedule(): void {
    if (scheduled || running >= maxInFlight || waiting.length === 0) return;
    scheduled = true;
    setImmediate(flush);
  }

  return (reference) =>
    new Promise<ContextResult>((resolve, reject) => {
      waiting.push({ reference, resolve, reject });
      schedule();
    });
}
