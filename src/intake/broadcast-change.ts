import { z } from 'zod';
import type { SubscriptionConfig } from '../config/worker-config.schema';
import { buildChange } from './change-builder';
import { notAnObject } from './change-rejection';
import { broadcastEventId } from './event-identity';
import { asRow, fromValidation, memberFor, rejected, type Routed } from './routed-change';

export interface BroadcastContext {
  readonly members: readonly SubscriptionConfig[];
  /** Name rejections are filed under when the message does not say which subscription it is for. */
  readonly stream: string;
}

export interface BroadcastRouted {
  readonly routed: Routed;
  /** realtime.messages id (= meta.id): the event id and the cursor's key. */
  readonly messageId: string | null;
}

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);

// What realtime.broadcast_changes puts in the payload; realtime.send adds the message id. Only
// what routes it is checked here; the change itself is judged by buildChange, as in every mode.
const changePayload = z.object({
  operation: z.unknown(),
  schema: z.string().min(1),
  table: z.string().min(1),
  record: z.unknown(),
  old_record: z.unknown(),
});

const broadcast = z.object({
  type: z.literal('broadcast'),
  event: z.string(),
  payload: z.unknown(),
  meta: z.object({ id: z.string() }).partial().optional(),
});

/**
 * One Broadcast-from-Database message, live or read back from realtime.messages, as a change of
 * the table it reports. `at` is when it happened as far as this path knows: the message's
 * inserted_at for catch-up, the arrival time live (the broadcast carries no time of its own).
 * The id comes from the message id, never from `at`, so both paths agree.
 */
export function routeBroadcastMessage(
  message: { readonly id: string; readonly payload: unknown; readonly at: string },
  ctx: BroadcastContext,
  source?: 'catch-up',
): BroadcastRouted {
  const messageId = uuid.safeParse(message.id).success ? message.id.toLowerCase() : null;
  if (!messageId) return { routed: rejected(ctx.stream, 'invalid_shape', 'broadcast without a message id'), messageId: null };
  const parsed = changePayload.safeParse(message.payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { routed: rejected(ctx.stream, 'invalid_shape', `broadcast payload ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`), messageId };
  }
  const p = parsed.data;
  const member = memberFor(ctx.members, p.schema, p.table, asRow(p.operation === 'DELETE' ? p.old_record : p.record));
  if ('ignored' in member) return { routed: { kind: 'ignored', reason: member.ignored }, messageId };
  const result = buildChange({
    subscription: member,
    schema: p.schema,
    table: p.table,
    operation: p.operation,
    record: p.record,
    oldRecord: p.old_record,
    commitTimestamp: message.at,
    id: () => broadcastEventId(messageId),
    ...(source ? { source } : {}),
  });
  return { routed: fromValidation(result, member.name), messageId };
}

/** The payload realtime-js hands to a `broadcast` listener. */
export function routeBroadcastPayload(payload: unknown, ctx: BroadcastContext, receivedAt: string): BroadcastRouted {
  const notObject = notAnObject(payload);
  if (notObject) return { routed: rejected(ctx.stream, 'not_an_object', notObject), messageId: null };
  const parsed = broadcast.safeParse(payload);
  if (!parsed.success) return { routed: rejected(ctx.stream, 'invalid_shape', 'not a broadcast message'), messageId: null };
  const inner = parsed.data.payload as { id?: unknown } | null;
  const id = parsed.data.meta?.id ?? (typeof inner?.id === 'string' ? inner.id : '');
  return routeBroadcastMessage({ id, payload: parsed.data.payload, at: receivedAt }, ctx);
}
