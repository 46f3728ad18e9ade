import type { Delivery } from '../decide/delivery';
import type { DeliveryOutcome } from '../deliver/delivery-outcome';
import type { DestinationHealth } from '../deliver/destinations';
import type { DurableQueue } from '../deliver/durable/durable-queue';
import { recentReading } from '../lib/recent-reading';
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

/**
 * How long one count of the pending deliveries serves every gauge that reads it. It counts every
 * pending row, two gauges read it at each scrape, and its cost grows with the backlog: on a
 * wedding Saturday (150,000 pending) one count took 1–2 s and, scraped every 5 s, held ~0.14 of a
 * PostgreSQL backend beside the deliveries (bench/ figure 11). So a reading serves for a second,
 * or ten times as long as it took: the gauge never costs more than a tenth of one backend, and a
 * deep backlog's count is at most that much older.
 */
export const BACKLOG_READING = { maxAgeMs: 1_000, busyShare: 0.1 } as const;

/** What the gauges read at scrape time: the queue's backlog, intake lag, destinations by condition. */
export function gaugeSources({ queue, intake, destinations, now }: GaugeParts): GaugeSources {
  return {
    // Real time, not the injected clock: this paces statements, it decides nothing.
    backlog: queue ? recentReading(() => queue.ledger.backlog(), BACKLOG_READING, () => performance.now()) : null,
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
