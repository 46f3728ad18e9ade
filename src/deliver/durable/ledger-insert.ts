/** The ledger's insert of new deliveries, shared by its announced and quiet enqueues (delivery-ledger.ts). */
import type { Delivery } from '../../decide/delivery';
import { destinationKey } from '../destinations';
import { toStored, type StoredDelivery } from '../stored-delivery';

/** Jobs run in numerically ascending priority: the most urgent (highest score) first. */
export function jobPriority(delivery: Pick<Delivery, 'priority'>): number {
  return 100 - Math.max(0, Math.min(100, Math.round(delivery.priority.score)));
}

/** One delivery as the ledger's insert reads it ($1, a JSON array of these). */
/**
 * One delivery as the insert's input. `turnAtMs`: when its destination, busy past its limit when
 * it was planned, has a turn for it (durable-queue.ts): its first run is due then, not at once.
 */
export function ledgerInput(d: StoredDelivery, turnAtMs?: number) {
  const firstRunMs = Math.max(d.notBeforeMs ?? 0, turnAtMs ?? 0);
  return {
    id: d.id,
    event_id: d.eventId,
    organization_id: d.organizationId,
    wedding_id: d.weddingId,
    channel: d.channel,
    recipient: `${d.recipient.kind}:${d.recipient.id}`,
    destination: destinationKey(d.channel, d.recipient),
    priority: d.priority.level,
    job_priority: jobPriority(d),
    not_before: d.notBeforeMs === null ? null : new Date(d.notBeforeMs).toISOString(),
    first_run: firstRunMs > 0 ? new Date(firstRunMs).toISOString() : null,
    deadline: d.deadlineMs === null ? null : new Date(d.deadlineMs).toISOString(),
    payload: toStored(d),
  };
}

/** The ledger rows of deliveries not seen before (CTEs `input` and `inserted`), to be followed by more CTEs or a select. */
export const INSERT_LEDGER_ROWS = `with input as (
    select * from jsonb_to_recordset($1::jsonb) as x(
      id text, event_id text, organization_id uuid, wedding_id uuid, channel text, recipient text,
      destination text, priority text, job_priority int, not_before timestamptz, first_run timestamptz, deadline timestamptz, payload jsonb)
  ), inserted as (
    insert into deliveries (id, event_id, organization_id, wedding_id, channel, recipient, destination, priority,
                            not_before, deadline, next_attempt_at, payload)
    select id, event_id, organization_id, wedding_id, channel, recipient, destination, priority,
           not_before, deadline, coalesce(first_run, now()), payload from input
    on conflict (id) do nothing
    returning id
  )`;
