import type { ChangeEvent } from '../intake/change-event';
import type { NotificationKind, Priority } from '../vocabulary';

/** The Standard Webhooks event type: the notification kind, or table.operation for plain changes. */
export function webhookType(kind: NotificationKind, event: ChangeEvent): string {
  return kind === 'change.generic' ? `${event.table}.${event.operation.toLowerCase()}` : kind;
}

/** Standard Webhooks' recommended envelope: { type, timestamp, data }. */
export function webhookBody(
  event: ChangeEvent,
  kind: NotificationKind,
  priority: Priority,
  tenant: { organizationId: string | null; weddingId: string | null },
): string {
  return JSON.stringify({
    type: webhookType(kind, event),
    timestamp: event.commitTimestamp,
    data: {
      event_id: event.id,
      kind,
      organization_id: tenant.organizationId,
      wedding_id: tenant.weddingId,
      schema: event.schema,
      table: event.table,
      operation: event.operation,
      commit_timestamp: event.commitTimestamp,
      primary_key: event.primaryKey,
      record: event.record,
      old_record: event.oldRecord,
      priority: { level: priority.level, score: priority.score, reasons: priority.reasons },
    },
  });
}
