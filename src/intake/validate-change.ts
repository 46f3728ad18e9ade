import { z } from 'zod';
import type { SubscriptionConfig } from '../config/worker-config.schema';
import type { Row } from './change-event';
import { buildChange } from './change-builder';
import { notAnObject, refuse, type ValidationResult } from './change-rejection';
import { eventId, versionedEventId, type EventIdentityParts } from './event-identity';
import { versionColumnOf } from './intake-settings';
import { versionStamp } from './version-stamp';

export { EventValidationError, type RejectReason, type ValidationResult } from './change-rejection';

const row = z.record(z.string(), z.unknown());

// The callback payload realtime-js builds from a postgres_changes frame (realtime-protocol.md §3.2).
// The operation and the time are judged by buildChange, the same way for every mode.
const realtimePayload = z.object({
  schema: z.string().min(1),
  table: z.string().min(1),
  commit_timestamp: z.unknown(),
  eventType: z.unknown(),
  new: row.optional(),
  old: row.optional(),
  errors: z.array(z.string()).nullable().optional(),
});

/** Turns whatever arrived into a ChangeEvent, or says precisely why it cannot. Pure. */
export function validateChange(payload: unknown, subscription: SubscriptionConfig): ValidationResult {
  const notObject = notAnObject(payload);
  if (notObject) return refuse('not_an_object', notObject);
  const parsed = realtimePayload.safeParse(payload);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return refuse('invalid_shape', `${first?.path.join('.') || '(root)'}: ${first?.message ?? 'invalid'}`);
  }
  const p = parsed.data;
  // Realtime reports truncated (413) or unauthorised (401) rows in-band; their records are partial.
  if (p.errors && p.errors.length > 0) return refuse('upstream_error', p.errors.join('; ').slice(0, 200));
  if (p.schema !== subscription.schema || p.table !== subscription.table) {
    return refuse('unexpected_source', `change for ${p.schema}.${p.table} on subscription ${subscription.name}`);
  }
  return buildChange({
    subscription,
    schema: p.schema,
    table: p.table,
    operation: p.eventType,
    record: p.new,
    oldRecord: p.old,
    commitTimestamp: p.commit_timestamp,
    id: ({ primaryKey, operation, keySource, commitTimestamp }) =>
      identityOf({ schema: p.schema, table: p.table, operation, primaryKey, commitTimestamp }, keySource, subscription),
  });
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
