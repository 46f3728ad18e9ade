/** A counter as the intake uses it; prom-client's Counter fits. */
interface LabelledCounter<L extends string> {
  inc(labels: Readonly<Record<L, string>>): void;
}

/**
 * The counters the intake keeps. Narrow on purpose: the outcome stage's metrics satisfy it, and
 * the intake does not depend on how (or whether) they are exported.
 */
export interface IntakeCounters {
  readonly changesReceived: LabelledCounter<'table' | 'operation'>;
  readonly changesRejected: LabelledCounter<'reason'>;
  readonly changesDuplicate: LabelledCounter<'table'>;
  /** Live changes left in the database for catch-up while deciding was behind (live-shedding.ts). */
  readonly changesDeferred: LabelledCounter<'stream'>;
}
