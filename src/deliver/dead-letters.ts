import type { ChangeEvent } from '../intake/change-event';
import type { Delivery } from './delivery';

export interface DeadLetter {
  readonly deliveryId: string;
  readonly eventId: string;
  readonly channel: string;
  readonly recipient: string;
  readonly reason: string;
  readonly status?: number;
  readonly attempts: number;
  readonly atMs: number;
}

export interface EventDeadLetter {
  readonly eventId: string;
  readonly table: string;
  readonly operation: string;
  readonly reason: string;
  readonly atMs: number;
}

/** Where a delivery, or a whole change that cannot be decided on, goes when it will not be tried again. */
export interface DeadLetterSink {
  record(delivery: Delivery, failure: { reason: string; status?: number; attempts: number }): Promise<void>;
  recordEvent(event: ChangeEvent, reason: string): Promise<void>;
  recent(): readonly DeadLetter[];
  recentEvents(): readonly EventDeadLetter[];
}

/**
 * Keeps the most recent dead letters in memory, for a worker without a database. The
 * dispatcher's error log line (with the delivery id) is then the durable record.
 */
export function createMemoryDeadLetterSink(keep = 100, now: () => number = Date.now): DeadLetterSink {
  const recent: DeadLetter[] = [];
  const events: EventDeadLetter[] = [];
  const keepLast = <T>(list: T[], item: T) => {
    list.push(item);
    if (list.length > keep) list.shift();
  };
  return {
    async record(delivery, failure) {
      const letter: DeadLetter = {
        deliveryId: delivery.id,
        eventId: delivery.eventId,
        channel: delivery.channel,
        recipient: `${delivery.recipient.kind}:${delivery.recipient.id}`,
        atMs: now(),
        ...failure,
      };
      keepLast(recent, letter);
    },
    async recordEvent(event, reason) {
      keepLast(events, { eventId: event.id, table: event.table, operation: event.operation, reason, atMs: now() });
    },
    recent: () => recent,
    recentEvents: () => events,
  };
}
