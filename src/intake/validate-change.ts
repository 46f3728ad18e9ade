import { z } from 'zod';
import { type SubscriptionConfig } from '../config/worker-config.schema';
import { type ChangeOperation, changeOperations } from '../vocabulary';
import type { ChangeEvent, Row } from './change-event';
import { eventId, versionedEventId, type EventIdentityParts } from './event-identity';
import { versionColumnOf } from './intake-settings';
import { primaryKeyOf } from './primary-keys';
import { versionStamp } from './version-stamp';

/** Stable reason codes: they label the rejected-payload counter, so keep them few and fixed. */
export type RejectReason =
  | 'not_an_object'
  | 'invalid_shape'
  | 'upstream_error'
  | 'unknown_operation'
  | 'bad_commit_timestamp'
  | 'missing_record'
  | 'missing_primary_key'
  | 'unexpected_source';

export class EventValidationError extends Error {
  constructor(
    readonly reason: RejectReason,
    detail: string,
  ) {
    super(detail);
    this.name = 'EventValidationError';
  }
}

export type ValidationResult = { ok: true; event: ChangeEvent } | { ok: false; error: EventValidationError };

const row = z.record(z.string(), z.unknown());

// The callback payload realtime-js builds from a postgres_changes frame (realtime-protocol.md §3.2).
const realtimePayload = z.object({
  schema: z.string().min(1),
  table: z.string().min(1),
  commit_timestamp: z.string().nullable().optional(),
  eventType: z.string(),
  new: row.optional(),
  old: row.optional(),
  errors: z.array(z.string()).nullable().optional(),
});

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

/** Turns whatever arrived into a ChangeEvent, or says precisely why it cannot. Pure. */
export function validateChange(payload: unknown, subscription: SubscriptionConfig): ValidationResult {
  const fail = (reason: RejectReason, detail: string): ValidationResult => ({
    ok: false,
    error: new EventValidationError(reason, detail),
  });
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return fail('not_an_object', `payload is ${Array.isArray(payload) ? 'an array' : typeof payload}`);
  }
  const parsed = realtimePayload.safeParse(payload);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return fail('invalid_shape', `${first?.path.join('.') || '(root)'}: ${first?.message ?? 'invalid'}`);
  }
  const p = parsed.data;
  // Realtime reports truncated (413) or unauthorised (401) rows in-band; their records are partial.
  if (p.errors && p.errors.length > 0) return fail('upstream_error', p.errors.join('; ').slice(0, 200));
  if (p.schema !== subscription.schema || p.table !== subscription.table) {
    return fail('unexpected_source', `change for ${p.schema}.${p.table} on subscription ${subscription.name}`);
  }
  if (!isOperation(p.eventType)) {
    return fail('unknown_operation', `eventType ${JSON.stringify(p.eventType).slice(0, 40)}`);
  }
  const operation = p.eventType;
  const ts = p.commit_timestamp;
  if (!ts || !ISO_UTC.test(ts) || Number.isNaN(Date.parse(ts))) {
    return fail('bad_commit_timestamp', ts ? 'commit_timestamp is not an ISO-8601 time' : 'commit_timestamp is missing');
  }
  const record = operation === 'DELETE' ? null : nonEmpty(p.new);
  const oldRecord = nonEmpty(p.old);
  const keySource = operation === 'DELETE' ? oldRecord : record;
  if (!keySource) return fail('missing_record', `${operation} without ${operation === 'DELETE' ? 'old' : 'new'} record`);

  const primaryKey: Record<string, string | number> = {};
  for (const column of primaryKeyOf(subscription)) {
    const value = keySource[column];
    if ((typeof value !== 'string' || value === '') && (typeof value !== 'number' || !Number.isFinite(value))) {
      return fail('missing_primary_key', `primary key column ${column} is missing or not a string/number`);
    }
    primaryKey[column] = value;
  }
  const commitTimestamp = new Date(ts).toISOString();
  const identity = { schema: p.schema, table: p.table, operation, primaryKey, commitTimestamp };
  return {
    ok: true,
    event: {
      id: identityOf(identity, keySource, subscription),
      ...identity,
      record,
      oldRecord: operation === 'INSERT' ? null : oldRecord,
      subscription: subscription.name,
    },
  };
}

/**
 * With a row-version column (table mode with catch-up), the version stands in for the commit
 * time: a catch-up query sees the row but not when it committed. A row without the column (a
 * DELETE under REPLICA IDENTITY DEFAULT) keeps the commit-time id; catch-up never reports
 * DELETEs, so there is no second copy to agree with.
 */
function identityOf(identity: EventIdentityParts, row: Row, subscription: SubscriptionConfig): string {
  const column = versionColumnOf(subscription);
  const stamp = column ? versionStamp(row[column]) : null;
  return stamp ? versionedEventId({ ...identity, stamp }) : eventId(identity);
}

function isOperation(value: string): value is ChangeOperation {
  return (changeOperations as readonly string[]).includes(value);
}

function nonEmpty(value: Row | undefined): Row | null {
  return value && Object.keys(value).length > 0 ? value : null;
}
