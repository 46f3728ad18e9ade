import { type SubscriptionConfig } from '../config/worker-config.schema';
import { type ChangeOperation, changeOperations } from '../vocabulary';
import type { ChangeEvent, Row } from './change-event';
import { primaryKeyOf } from './primary-keys';
import { EventValidationError, type ValidationResult } from './validate-change';

export interface ChangeParts {
  readonly subscription: SubscriptionConfig;
  readonly schema: string;
  readonly table: string;
  readonly operation: unknown;
  readonly record: Row | null | undefined;
  readonly oldRecord: Row | null | undefined;
  readonly commitTimestamp: string;
  /** The id is the mode's business: outbox row, broadcast message, row version. */
  readonly id: (primaryKey: Readonly<Record<string, string | number>>, operation: ChangeOperation) => string;
  readonly source?: 'catch-up';
}

/**
 * A ChangeEvent from the parts an outbox row or a broadcast message carries, checked by the same
 * rules as a postgres_changes payload (validate-change.ts), so every mode hands on the same shape.
 */
export function buildChange(parts: ChangeParts): ValidationResult {
  const fail = (reason: EventValidationError['reason'], detail: string): ValidationResult => ({ ok: false, error: new EventValidationError(reason, detail) });
  const operation = parts.operation;
  if (typeof operation !== 'string' || !(changeOperations as readonly string[]).includes(operation)) {
    return fail('unknown_operation', `operation ${JSON.stringify(operation)?.slice(0, 40)}`);
  }
  const op = operation as ChangeOperation;
  const committed = Date.parse(parts.commitTimestamp);
  if (Number.isNaN(committed)) return fail('bad_commit_timestamp', 'the change time is not a timestamp');
  const record = op === 'DELETE' ? null : nonEmpty(parts.record);
  const oldRecord = op === 'INSERT' ? null : nonEmpty(parts.oldRecord);
  const keySource = op === 'DELETE' ? oldRecord : record;
  if (!keySource) return fail('missing_record', `${op} without ${op === 'DELETE' ? 'old' : 'new'} record`);
  const primaryKey: Record<string, string | number> = {};
  for (const column of primaryKeyOf(parts.subscription)) {
    const value = keySource[column];
    if ((typeof value !== 'string' || value === '') && (typeof value !== 'number' || !Number.isFinite(value))) {
      return fail('missing_primary_key', `primary key column ${column} is missing or not a string/number`);
    }
    primaryKey[column] = value;
  }
  const event: ChangeEvent = {
    id: parts.id(primaryKey, op),
    schema: parts.schema,
    table: parts.table,
    operation: op,
    commitTimestamp: new Date(committed).toISOString(),
    record,
    oldRecord,
    primaryKey,
    subscription: parts.subscription.name,
    ...(parts.source ? { source: parts.source } : {}),
  };
  return { ok: true, event };
}

function nonEmpty(value: Row | null | undefined): Row | null {
  return value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0 ? value : null;
}
