import { type SubscriptionConfig } from '../config/worker-config.schema';
import { type ChangeOperation, changeOperations } from '../vocabulary';
import type { ChangeEvent, Row } from './change-event';
import { refuse, type ValidationResult } from './change-rejection';
import { changeBytes, MAX_CHANGE_BYTES } from './change-size';
import { primaryKeyOf } from './primary-keys';
import { isoInstantMicros } from './timestamp-text';

export interface ChangeParts {
  readonly subscription: SubscriptionConfig;
  readonly schema: string;
  readonly table: string;
  readonly operation: unknown;
  readonly record: unknown;
  readonly oldRecord: unknown;
  /** ISO-8601 with `Z` or an offset; anything else is refused. */
  readonly commitTimestamp: unknown;
  /** The id is the mode's business: outbox row, broadcast message, row version. */
  readonly id: (identity: ChangeIdentity) => string;
  readonly source?: 'catch-up';
}

export interface ChangeIdentity {
  readonly primaryKey: Readonly<Record<string, string | number>>;
  readonly operation: ChangeOperation;
  /** The row the primary key was read from: the new one, or the old one of a DELETE. */
  readonly keySource: Row;
  /** Normalized: UTC, milliseconds. */
  readonly commitTimestamp: string;
}

/**
 * A ChangeEvent from the parts of a change, whichever mode carried it (a postgres_changes
 * payload, an outbox row, a broadcast message): every mode refuses the same faults with the same
 * reasons, checked in the same order.
 */
export function buildChange(parts: ChangeParts): ValidationResult {
  const bytes = changeBytes(parts.record, parts.oldRecord);
  if (bytes > MAX_CHANGE_BYTES) return refuse('too_large', `rows of ${bytes} bytes; the limit is ${MAX_CHANGE_BYTES}`);
  const operation = parts.operation;
  if (typeof operation !== 'string') return refuse('invalid_shape', `operation is ${typeof operation}, not a string`);
  if (!(changeOperations as readonly string[]).includes(operation)) {
    return refuse('unknown_operation', `operation ${JSON.stringify(operation).slice(0, 40)}`);
  }
  const op = operation as ChangeOperation;
  if (parts.commitTimestamp === null || parts.commitTimestamp === undefined || parts.commitTimestamp === '') {
    return refuse('bad_commit_timestamp', 'the change time is missing');
  }
  const micros = isoInstantMicros(parts.commitTimestamp);
  if (micros === null) return refuse('bad_commit_timestamp', 'the change time is not an ISO-8601 instant with a zone');
  if (!isRowOrAbsent(parts.record) || !isRowOrAbsent(parts.oldRecord)) return refuse('invalid_shape', 'a record is not an object');
  const record = op === 'DELETE' ? null : nonEmpty(parts.record);
  const oldRecord = op === 'INSERT' ? null : nonEmpty(parts.oldRecord);
  const keySource = op === 'DELETE' ? oldRecord : record;
  if (!keySource) return refuse('missing_record', `${op} without ${op === 'DELETE' ? 'old' : 'new'} record`);
  const primaryKey: Record<string, string | number> = {};
  for (const column of primaryKeyOf(parts.subscription)) {
    const value = keySource[column];
    if ((typeof value !== 'string' || value === '') && (typeof value !== 'number' || !Number.isFinite(value))) {
      return refuse('missing_primary_key', `primary key column ${column} is missing or not a string/number`);
    }
    primaryKey[column] = value;
  }
  const commitTimestamp = new Date(Number(micros / 1000n)).toISOString();
  const event: ChangeEvent = {
    id: parts.id({ primaryKey, operation: op, keySource, commitTimestamp }),
    schema: parts.schema,
    table: parts.table,
    operation: op,
    commitTimestamp,
    record,
    oldRecord,
    primaryKey,
    subscription: parts.subscription.name,
    ...(parts.source ? { source: parts.source } : {}),
  };
  return { ok: true, event };
}

function isRowOrAbsent(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'object' && !Array.isArray(value));
}

function nonEmpty(value: unknown): Row | null {
  return value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0 ? (value as Row) : null;
}
