import type { StoredDelivery } from './stored-delivery';
import { deliveryId } from '../intake/event-identity';

/**
 * The same notification to the same recipient on the next channel of its chain. A new id, since
 * it is a different message, derived the same way as every delivery id: a replayed failover
 * finds the same id again.
 */
export function nextInChain<D extends StoredDelivery>(failed: D, reason: string, nowMs: number, deadlineWindowMs: number): D | null {
  const [next, ...rest] = failed.fallbacks;
  if (!next) return null;
  return {
    ...failed,
    id: deliveryId(failed.eventId, next.message.channel, `${next.recipient.kind}:${next.recipient.id}`),
    channel: next.message.channel,
    recipient: next.recipient,
    message: next.message,
    rateLimit: null,
    fallbacks: rest,
    notBeforeMs: null,
    deadlineMs: failed.deadlineMs === null ? null : nowMs + deadlineWindowMs,
    notes: [...failed.notes, `failed over from ${failed.channel}: ${reason}`],
    // A fallback is of the delivery's own kind: resolved for a Delivery, stored for a StoredDelivery.
  } as D;
}

/** "sms → email → in_app", for the log line that shows the whole chain. */
export function describeChain(delivery: StoredDelivery): string {
  return [delivery.channel, ...delivery.fallbacks.map((f) => f.message.channel)].join(' → ');
}
