import type { ChangeEvent } from '../intake/change-event';
import type { Delivery } from '../decide/delivery';

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

/** Where the in-memory dispatcher keeps deliveries it will not try again. */
export interface DeadLetterSink {
  record(delivery: Delivery, failure: { reason: string; status?: number; attempts: number }): Promise<void>;
  recent(): Promise<readonly DeadLetter[]>;
}

export interface EventDeadLetter {
  readonly eventId: string;
  readonly table: string;
  readonly operation: string;
  readonly reason: string;
  readonly atMs: number;
}

/** Changes that could not be decided on (their tenant is missing), kept with the reason. */
export interface EventDeadLetters {
  record(event: ChangeEvent, reason: string): Promise<void>;
  recent(limit?: number): Promise<readonly EventDeadLetter[]>;
}

function keepLast<T>(list: T[], item: T, keep: number): void {
  list.push(item);
  if (list.length > keep) list.shift();
}

/**
 * Without a database the dispatcher's error log line (with the delivery id) is the durable
 * record; the most recent dead letters are also kept here for the status endpoints.
 */
export function createMemoryDeadLetterSink(keep = 100, now: () => number = Date.now): DeadLetterSink {
  const letters: DeadLetter[] = [];
  return {
    async record(delivery, failure) {
      const recipient = `${delivery.recipient.kind}:${delivery.recipient.id}`;
      keepLast(letters, { deliveryId: delivery.id, eventId: delivery.eventId, channel: delivery.channel, recipient, atMs: now(), ...failure }, keep);
    },
    recent: async () => [...letters],
  };
}

export function createMemoryEventDeadLetters(keep = 100, now: () => number = Date.now): EventDeadLetters {
  const letters: EventDeadLetter[] = [];
  return {
    async record(event, reason) {
      keepLast(letters, { eventId: event.id, table: event.table, operation: event.operation, reason, atMs: now() }, keep);
    },
    recent: async (limit = keep) => letters.slice(-limit),
  };
}
