import type { SubscriptionConfig } from '../config/worker-config.schema';

export type SubscriptionState = 'joining' | 'subscribed' | 'live' | 'errored' | 'closed' | 'stopped' | 'standby';

export interface SubscriptionStatus {
  readonly name: string;
  readonly table: string;
  readonly state: SubscriptionState;
  /** Why it is not live; null when live. */
  readonly reason: string | null;
  readonly sinceMs: number;
  readonly lastChangeAtMs: number | null;
  /** Which channel object the state belongs to; late callbacks of a replaced channel are ignored. */
  readonly generation: number;
}

/** The state of each subscription, as /readyz and the logs report it. */
export class SubscriptionTracker {
  private readonly states = new Map<string, SubscriptionStatus>();
  private readonly rebuildAttempts = new Map<string, number>();

  constructor(
    subscriptions: readonly SubscriptionConfig[],
    private readonly now: () => number,
    /** Told of every change of state (not of reason alone), after it is recorded. */
    private readonly onStateChange?: (status: SubscriptionStatus) => void,
  ) {
    for (const s of subscriptions) {
      this.states.set(s.name, {
        name: s.name,
        table: `${s.schema}.${s.table}`,
        state: 'joining',
        reason: 'not started',
        sinceMs: now(),
        lastChangeAtMs: null,
        generation: 0,
      });
    }
  }

  get(name: string): SubscriptionStatus | undefined {
    return this.states.get(name);
  }

  set(name: string, state: SubscriptionState, reason: string | null, generation?: number): void {
    const previous = this.states.get(name);
    if (!previous) return;
    const changed = previous.state !== state;
    this.states.set(name, {
      ...previous,
      state,
      reason,
      sinceMs: changed ? this.now() : previous.sinceMs,
      generation: generation ?? previous.generation,
    });
    if (state === 'live') this.rebuildAttempts.delete(name);
    const current = this.states.get(name);
    if (changed && current) this.onStateChange?.(current);
  }

  noteChange(name: string): void {
    const previous = this.states.get(name);
    if (previous) this.states.set(name, { ...previous, lastChangeAtMs: this.now() });
  }

  /** 0 for the first rebuild since the subscription was last live, then 1, 2, … */
  nextRebuildAttempt(name: string): number {
    const attempt = this.rebuildAttempts.get(name) ?? 0;
    this.rebuildAttempts.set(name, attempt + 1);
    return attempt;
  }

  snapshot(): SubscriptionStatus[] {
    return [...this.states.values()];
  }
}
