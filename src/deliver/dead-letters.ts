import type { Delivery } from './delivery';

export interface DeadLetter {
  readonly deliveryId: string;
  readonly eventId: string;
  readonly channel: string;
  readonly destination: string;
  readonly reason: string;
  readonly status?: number;
  readonly attempts: number;
  readonly atMs: number;
}

/** Where a delivery goes when it will not be attempted again. */
export interface DeadLetterSink {
  record(delivery: Delivery, failure: { reason: string; status?: number; attempts: number }): Promise<void>;
  recent(): readonly DeadLetter[];
}

/**
 * Keeps the most recent dead letters in memory, for a worker without a database. The
 * dispatcher's error log line (with the delivery id) is then the durable record.
 */
export function createMemoryDeadLetterSink(keep = 100, now: () => number = Date.now): DeadLetterSink {
  const recent: DeadLetter[] = [];
  return {
    async record(delivery, failure) {
      const letter: DeadLetter = {
        deliveryId: delivery.id,
        eventId: delivery.eventId,
        channel: delivery.channel,
        destination: delivery.destination,
        atMs: now(),
        ...failure,
      };
      recent.push(letter);
      if (recent.length > keep) recent.shift();
    },
    recent: () => recent,
  };
}
