import { z } from 'zod';
import type { SubscriptionConfig } from '../config/worker-config.schema';
import { buildChange } from './change-builder';
import { notAnObject, type RejectReason } from './change-rejection';
import { outboxEventId } from './event-identity';
import { asRow, fromValidation, memberFor, rejected, type Routed } from './routed-change';
import { versionStamp } from './version-stamp';

export interface OutboxContext {
  /** Schema of the outbox table (and of the tables it captures). */
  readonly schema: string;
  readonly outboxTable: string;
  readonly members: readonly SubscriptionConfig[];
  /** Name rejections are filed under when the row does not say which subscription it is for. */
  readonly stream: string;
}

export interface OutboxRouted {
  readonly routed: Routed;
  /** The outbox row id when known: the cursor moves past it once the change is dealt with. */
  readonly outboxId: number | null;
}

const outboxId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,15}$/).transform(Number)]);

// One change_outbox row as to_jsonb prints it, or as Realtime pushes it (the same casts). Only
// what routes it is checked here; the change itself is judged by buildChange, as in every mode.
const outboxRow = z.object({
  id: outboxId,
  source_schema: z.string().min(1),
  source_table: z.string().min(1),
  operation: z.unknown(),
  record: z.unknown(),
  old_record: z.unknown(),
  changed_at: z.unknown(),
});

const realtimeInsert = z.object({
  schema: z.string().min(1),
  table: z.string().min(1),
  eventType: z.unknown(),
  new: z.record(z.string(), z.unknown()).optional(),
  errors: z.array(z.string()).nullable().optional(),
});

/**
 * An outbox row is a change of its SOURCE table: the event carries that table, its old and new
 * rows and its primary key, and takes its id from the outbox row, which Realtime and catch-up
 * both see whole.
 */
export function routeOutboxRow(raw: unknown, ctx: OutboxContext, source?: 'catch-up'): OutboxRouted {
  if (raw === null || raw === undefined || (typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 0)) {
    return { routed: rejected(ctx.stream, 'missing_record', 'INSERT into the outbox without its row'), outboxId: null };
  }
  const parsed = outboxRow.safeParse(raw);
  if (!parsed.success) {
    const id = outboxId.safeParse((raw as { id?: unknown } | null)?.id);
    const issue = parsed.error.issues[0];
    return { routed: rejected(ctx.stream, 'invalid_shape', `outbox row ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`), outboxId: id.success ? id.data : null };
  }
  const o = parsed.data;
  const member = memberFor(ctx.members, o.source_schema, o.source_table, asRow(o.operation === 'DELETE' ? o.old_record : o.record));
  if ('ignored' in member) return { routed: { kind: 'ignored', reason: member.ignored }, outboxId: o.id };
  const result = buildChange({
    subscription: member,
    schema: o.source_schema,
    table: o.source_table,
    operation: o.operation,
    record: o.record,
    oldRecord: o.old_record,
    commitTimestamp: o.changed_at,
    // buildChange has refused a changed_at that is no ISO instant before it asks for the id.
    id: () => outboxEventId(ctx.schema, ctx.outboxTable, o.id, versionStamp(o.changed_at)!),
    ...(source ? { source } : {}),
  });
  return { routed: fromValidation(result, member.name), outboxId: o.id };
}

/**
 * A postgres_changes payload of the outbox table. The channel binds INSERTs only (pruning the
 * outbox deletes rows, and those must not come back as changes). A payload Realtime truncated
 * (Error 413 keeps only fields of 64 bytes or less) still names its outbox id: the cursor then
 * stays below it, and catch-up reads the row whole.
 */
export function routeOutboxPayload(payload: unknown, ctx: OutboxContext): OutboxRouted & { readonly incomplete: boolean } {
  const refused = (reason: RejectReason, detail: string) => ({ routed: rejected(ctx.stream, reason, detail), outboxId: null, incomplete: false });
  const notObject = notAnObject(payload);
  if (notObject) return refused('not_an_object', notObject);
  const parsed = realtimeInsert.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return refused('invalid_shape', `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  const p = parsed.data;
  if (p.errors && p.errors.length > 0) {
    const id = outboxId.safeParse(p.new?.id);
    return { routed: rejected(ctx.stream, 'upstream_error', p.errors.join('; ').slice(0, 200)), outboxId: id.success ? id.data : null, incomplete: true };
  }
  if (p.schema !== ctx.schema || p.table !== ctx.outboxTable) {
    return refused('unexpected_source', `change for ${p.schema}.${p.table} on the ${ctx.schema}.${ctx.outboxTable} channel`);
  }
  if (typeof p.eventType !== 'string') return refused('invalid_shape', `eventType is ${typeof p.eventType}, not a string`);
  // Pruning deletes outbox rows: those are no changes of the tables it captures.
  if (p.eventType === 'UPDATE' || p.eventType === 'DELETE') return { routed: { kind: 'ignored', reason: `${p.eventType} on the outbox` }, outboxId: null, incomplete: false };
  if (p.eventType !== 'INSERT') return refused('unknown_operation', `eventType ${JSON.stringify(p.eventType).slice(0, 40)}`);
  return { ...routeOutboxRow(p.new, ctx), incomplete: false };
}
