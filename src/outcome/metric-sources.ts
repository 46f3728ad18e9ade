import type { Delivery } from '../decide/delivery';
import type { DeliveryOutcome } from '../deliver/delivery-outcome';
import type { DestinationHealth } from '../deliver/destinations';
import type { DurableQueue } from '../deliver/durable/durable-queue';
import type { GaugeSources, Metrics } from './metrics';

/** The counters the delivery runners feed: each finished run, and each provider request timed. */
export function deliveryObservers(metrics: Metrics) {
  return {
    onOutcome: (delivery: Pick<Delivery, 'channel'>, outcome: DeliveryOutcome) => metrics.deliveries.inc({ channel: delivery.channel, outcome: outcome.kind }),
    observe: (channel: string, outcome: string, seconds: number) => metrics.attemptSeconds.observe({ channel, outcome }, seconds),
  };
}

export interface GaugeParts {
  /** The durable queue, when the worker runs with a database. */
  readonly queue: Pick<DurableQueue, 'ledger' | 'destinationRows'> | null;
  readonly intake: GaugeSources['intake'];
  readonly destinations: DestinationHealth;
  readonly now: () => number;
}

/** What the gauges read at scrape time: the queue's backlog, intake lag, destinations by condition. */
export function gaugeSources({ queue, intake, destinations, now }: GaugeParts): GaugeSources {
  return {
    backlog: queue ? () => queue.ledger.backlog() : null,
    intake,
    destinations: async () => {
      const counts: Record<string, number> = { closed: 0, failing: 0, open: 0, disabled: 0, held: 0 };
      for (const row of queue ? await queue.destinationRows() : []) counts[row.state] = (counts[row.state] ?? 0) + 1;
      for (const entry of destinations.list()) if (entry.state === 'held') counts.held = (counts.held ?? 0) + 1;
      return counts;
    },
    now,
  };
}
