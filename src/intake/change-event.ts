import type { ChangeOperation } from '../vocabulary';

export type Row = Readonly<Record<string, unknown>>;

/** A validated row change, free of Realtime wire details; everything downstream works on this. */
export interface ChangeEvent {
  /** Deterministic: the same change always gets the same id, whichever way it arrived. */
  readonly id: string;
  readonly schema: string;
  readonly table: string;
  readonly operation: ChangeOperation;
  /** ISO-8601 UTC, millisecond precision, as Realtime sends it. */
  readonly commitTimestamp: string;
  /** The new row (INSERT, UPDATE); null for DELETE. */
  readonly record: Row | null;
  /** The previous row (UPDATE, DELETE): only the primary key unless REPLICA IDENTITY FULL. */
  readonly oldRecord: Row | null;
  readonly primaryKey: Readonly<Record<string, string | number>>;
  /** Name of the subscription it came through. */
  readonly subscription: string;
  /**
   * Absent: pushed live by Realtime. `catch-up`: read back from PostgreSQL after a transition to
   * live. A table-mode catch-up UPDATE has `oldRecord: null`: the old values are unknown, so
   * which columns changed cannot be judged (outbox and broadcast catch-up carry the old row).
   */
  readonly source?: 'catch-up';
}
