import type { IntakeConfig, SubscriptionConfig } from '../config/worker-config.schema';
import type { Queryable } from '../lib/queryable';
import type { Logger } from '../lib/logger';
import type { IntakeCounters } from './intake-counters';
import type { CatchUpReport } from './catch-up';
import type { ChangeEvent } from './change-event';
import { createPgCursorStore, type CursorStore } from './cursor-store';
import type { DedupeWindow } from './dedupe-window';
import { createHandOff } from './hand-off';
import { createDriver, planStreams } from './intake-streams';
import type { RealtimeClientLike, RealtimeHooks } from './realtime-client';
import { RealtimeSource, type ChangeSource } from './realtime-source';
import { StreamRunner, type StreamLag } from './stream-runner';
import type { SubscriptionStatus } from './subscription-tracker';

export interface ChangeIntakeOptions {
  readonly subscriptions: readonly SubscriptionConfig[];
  readonly intake: IntakeConfig;
  readonly logger: Logger;
  readonly connect: (hooks: RealtimeHooks) => RealtimeClientLike;
  readonly onUndecodableFrame: (error: unknown) => void;
  /** Catch-up reads and cursor writes; needed when a subscription has catch-up (see subscriptionsNeedingDatabase in config). */
  readonly db: Queryable | null;
  readonly dedupe: DedupeWindow;
  readonly metrics: IntakeCounters;
  /**
   * Each valid change, once per dedupe window, live or caught up. Return a promise (a durable
   * queue's insert) to hold the cursor until it resolves; a rejection lets the change through
   * again and triggers a catch-up.
   */
  readonly onEvent: (event: ChangeEvent) => void | PromiseLike<void>;
  readonly cursors?: CursorStore;
  /** Live changes reach the saved cursor at most this often (default 1000 ms). */
  readonly cursorFlushMs?: number;
  /** Each finished catch-up with its numbers (`recovered`: changes only catch-up handed on). */
  readonly onCatchUp?: (report: CatchUpReport) => void;
  readonly now?: () => number;
}

/**
 * The worker's intake: a RealtimeSource for the channels, and per stream a runner that hands
 * live changes on, catches up on every transition to live, and keeps the cursor.
 */
export class ChangeIntake implements ChangeSource {
  private readonly source: RealtimeSource;
  private readonly runners = new Map<string, StreamRunner>();
  private stopping: Promise<void> | undefined;

  constructor(options: ChangeIntakeOptions) {
    const now = options.now ?? Date.now;
    const plans = planStreams(options.subscriptions);
    const handOff = createHandOff(options);
    const store = options.cursors ?? (options.db ? createPgCursorStore(options.db) : null);
    for (const plan of plans) {
      const driver = createDriver(plan, options.db, now);
      if (driver.catchUp && !store) throw new Error(`subscription stream "${plan.name}" needs a cursor store`);
      this.runners.set(
        plan.name,
        new StreamRunner({
          plan,
          driver,
          handOff,
          store,
          logger: options.logger,
          now,
          flushEveryMs: options.cursorFlushMs ?? 1_000,
          retryDelaysMs: options.intake.rebuildDelaysMs,
          ...(options.onCatchUp ? { onCatchUp: options.onCatchUp } : {}),
        }),
      );
    }
    const byName = new Map(plans.map((p) => [p.carrier.name, p]));
    this.source = new RealtimeSource({
      subscriptions: plans.map((p) => p.carrier),
      intake: options.intake,
      logger: options.logger,
      connect: options.connect,
      onUndecodableFrame: options.onUndecodableFrame,
      channelFor: (carrier) => byName.get(carrier.name)!.channel,
      onChange: (carrier, payload) => this.runners.get(carrier.name)?.onPayload(payload),
      onLive: (carrier) => this.runners.get(carrier.name)?.onLive(),
      onStateChange: (status) => this.runners.get(status.name)?.onState(status),
      now,
    });
  }

  /** Loads every cursor (so the first catch-up starts from it), then joins the channels. */
  async start(): Promise<void> {
    if (this.stopping) return;
    await Promise.all([...this.runners.values()].map((r) => r.open()));
    if (!this.stopping) this.source.start();
  }

  /** Leaves every channel, lets a catch-up under way finish its page, saves the cursors. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.source.stop();
      await Promise.all([...this.runners.values()].map((r) => r.close()));
    })();
    return this.stopping;
  }

  statuses(): readonly SubscriptionStatus[] {
    return this.source.statuses();
  }

  lag(): StreamLag[] {
    return [...this.runners.values()].map((r) => r.lag());
  }
}
