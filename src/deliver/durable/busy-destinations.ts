import type { Delivery } from '../../decide/delivery';
import { destinationKey } from '../destinations';
import type { RateLimiter } from '../rate-limiter';
import { SHORT_WAIT_MS, type DestinationPace } from './destination-pace';

export interface BusyDestinationsParts {
  readonly pace: DestinationPace;
  readonly limiterFor: (delivery: Delivery) => RateLimiter;
  /** queue.maxWaitingPerDestination: more jobs than this waiting on one limit wait for a turn instead. */
  readonly maxWaiting: number;
  readonly now: () => number;
}

/**
 * Which deliveries should not hold a worker's slot while their destination is busy, and until
 * when: one slow destination must not hold every worker. Asked when a job runs (it is put back)
 * and when deliveries are planned (they are queued for their turn at once).
 */
export class BusyDestinations {
  constructor(private readonly parts: BusyDestinationsParts) {}

  /**
   * How long a delivery should wait for its destination, or null to wait in line in the limiter.
   * A critical delivery waits ahead of every other level, so only critical ones count against it:
   * behind normal ones it still leaves at the next slot (bench/ figure 4). But as many as there
   * are slots may be critical on one destination over its limit (a wedding day's emails beyond the
   * provider's rate), and they must not hold the slots a critical SMS needs; they come at once,
   * before this destination's pace is known, so the count alone decides.
   */
  delayMs(delivery: Delivery, key: string, limiter: RateLimiter): number | null {
    const critical = delivery.priority.level === 'critical';
    const waiting = critical ? limiter.queued('critical') : limiter.queued();
    if (waiting < this.parts.maxWaiting) return null;
    if (!critical && this.parts.pace.expectedWaitMs(key, waiting) <= SHORT_WAIT_MS) return null;
    return this.parts.pace.putBackDelayMs(key, waiting, delivery.priority.level);
  }

  /**
   * Turns for deliveries planned while their destination is busy, by delivery id (undefined when
   * none is). Queued to run at once, each would be taken, read and put back before it waited:
   * behind Resend's team limit on a Saturday that was every email planned, hundreds of runs a
   * second that sent nothing (bench/ figure 11). Turns are reserved in the order planned, as
   * put-backs' are; a delivery held for quiet hours or a cap keeps its own time.
   */
  turnsFor(deliveries: readonly Delivery[]): Map<string, number> | undefined {
    let turns: Map<string, number> | undefined;
    for (const delivery of deliveries) {
      if (delivery.notBeforeMs !== null) continue;
      const delayMs = this.delayMs(delivery, destinationKey(delivery.channel, delivery.recipient), this.parts.limiterFor(delivery));
      if (delayMs !== null) (turns ??= new Map()).set(delivery.id, this.parts.now() + delayMs);
    }
    return turns;
  }
}
