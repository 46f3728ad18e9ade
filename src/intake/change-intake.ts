import type { IntakeConfig, SubscriptionConfig } from '../config/worker-config.schema';
import type { Queryable } from '../lib/queryable';
import type { Logger } from '../lib/logger';
import type { IntakeCounters } from './intake-counters';
import type { CatchUpReport } from './catch-up';
import type { ChangeEvent } from './change-event';
import { createPgCursorStore, type CursorStore } from './cursor-store';
import type { DedupeWindow } from './dedupe-window';
import { createFencedCursorStore } from './fenced-cursor-store';
import { createHandOff, type HandOff } from './hand-off';
import { createDriver, planStreams, type StreamPlan } from './intake-streams';
import type { Lease, LeaseStore } from './lease-store';
import type { RealtimeClientLike, RealtimeHooks } from './realtime-client';
import { RealtimeSource, type ChangeSource } from './realtime-source';
import { StreamRunner, type StreamLag, type StreamRunnerOptions } from './stream-runner';
import { StreamLeases, type LeaseEvent } from './stream-leases';
import type { SubscriptionStatus } from './subscription-tracker';

/** Replicas split the streams (README, "Replicas"); without it this process holds every stream. */
export interface IntakeLeaseOptions {
  readonly store: LeaseStore;
  readonly holder: string;
  readonly ttlMs: number;
  readonly renewEveryMs: number;
  readonly onEvent?: (event: LeaseEvent, stream: string) => void;
}

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
  /**
   * Deciding is too far behind to take more changes into memory: streams whose catch-up reads
   * back every change leave live ones to it meanwhile (live-shedding.ts). Without it, never.
   */
  readonly overloaded?: () => boolean;
  /** With a database: hold only the streams whose lease this replica has (fenced cursor saves). */
  readonly leases?: IntakeLeaseOptions;
  readonly now?: () => number;
}

/**
 * The worker's intake: a RealtimeSource for the channels, and per stream a runner that hands
 * live changes on, catches up on every transition to live, and keeps the cursor.
 */
/**
 * The worker's intake: a RealtimeSource for the channels, and per stream a runner that hands
 * live changes on, catches up on every transition to live, and keeps the cursor. With leases a
 * stream's runner exists only while this replica holds it: built afresh on each acquisition (so
 * catch-up starts from the cursor the previous holder saved), torn down when the lease goes.
 */
export class ChangeIntake implements ChangeSource {
  private readonly source: RealtimeSource;
  private readonly plans = new Map<string, StreamPlan>();
  private readonly runners = new Map<string, StreamRunner>();
  private readonly handOff: HandOff;
  private readonly store: CursorStore | null;
  private readonly leases: StreamLeases | null;
  /** The streams split by leases: those with catch-up, when leases are on. */
  private readonly leased = new Set<string>();
  /** Per stream, its last hold or let-go: they run one after the other. */
  private readonly transitions = new Map<string, Promise<void>>();
  private readonly now: () => number;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: ChangeIntakeOptions) {
    this.now = options.now ?? Date.now;
    const plans = planStreams(options.subscriptions);
    this.handOff = createHandOff(options);
    this.store = options.cursors ?? (options.db ? createPgCursorStore(options.db) : null);
    for (const plan of plans) {
      this.plans.set(plan.name, plan);
      // Built now even when leased, so a configuration that cannot run fails at start.
      const driver = createDriver(plan, options.db, this.now);
      if (driver.catchUp && !this.store) throw new Error(`subscription stream "${plan.name}" needs a cursor store`);
      // A stream without catch-up cannot change hands without a gap (nothing reads back what
      // passed while no one was subscribed): every replica keeps it, and the ledger's key makes
      // the extra copies no-ops, as before leases.
      if (options.leases && driver.catchUp) this.leased.add(plan.name);
      else this.runners.set(plan.name, this.runner(plan, driver, this.store));
    }
    const leased = this.leased.size > 0 ? options.leases : undefined;
    this.leases = leased
      ? new StreamLeases({
          ...leased,
          streams: [...this.leased],
          now: this.now,
          logger: options.logger,
          hooks: { hold: (lease) => this.hold(lease), letGo: (stream) => this.letGo(stream) },
        })
      : null;
    const byName = new Map(plans.map((p) => [p.carrier.name, p]));
    this.source = new RealtimeSource({
      subscriptions: plans.map((p) => p.carrier),
      intake: options.intake,
      logger: options.logger,
      connect: options.connect,
      onUndecodableFrame: options.onUndecodableFrame,
      channelFor: (carrier) => byName.get(carrier.name)!.channel,
      onChange: (carrier, payload) => this.runners.get(carrier.name)?.onPayload(payload),
      onUndecodedChange: (carrier, payload) => this.runners.get(carrier.name)?.onUndecodedPayload(payload) ?? false,
      onLive: (carrier) => this.runners.get(carrier.name)?.onLive(),
      onStateChange: (status) => this.runners.get(status.name)?.onState(status),
      onDemand: new Set([...this.leased].map((name) => this.plans.get(name)!.carrier.name)),
      now: this.now,
    });
  }

  /** Loads every cursor (so the first catch-up starts from it), then joins the channels; leased: starts the heart-beat. */
  async start(): Promise<void> {
    if (this.stopping) return;
    await Promise.all([...this.runners.values()].map((r) => r.open()));
    if (this.stopping) return;
    this.source.start();
    this.leases?.start();
  }

  /** Leaves every channel, lets a catch-up under way finish its page, saves the cursors; leased: then releases. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.leases?.stop();
      await this.source.stop();
      await Promise.all([...this.transitions.values()]);
      await Promise.all([...this.runners.values()].map((r) => r.close()));
    })();
    return this.stopping;
  }

  statuses(): readonly SubscriptionStatus[] {
    return this.source.statuses();
  }

  /** The streams this replica runs now (held, or all of them without leases). */
  lag(): StreamLag[] {
    return [...this.runners.values()].map((r) => r.lag());
  }

  /**
   * With leases (null without): `held`, the streams this replica runs; `standby`, those another
   * replica holds or none does yet (this one takes them when free and within its share);
   * `pending`, those not known to be either yet (before the first heart-beat, or held and starting);
   * `everyReplica`, those without catch-up, which every replica runs.
   */
  leaseView(): { held: string[]; standby: string[]; pending: string[]; everyReplica: string[] } | null {
    if (!this.leases) return null;
    const names = [...this.leased].sort();
    const leased = new Set(this.leases.heldStreams());
    const settled = this.leases.settled;
    return {
      held: names.filter((n) => this.runners.has(n)),
      standby: names.filter((n) => !this.runners.has(n) && settled && !leased.has(n)),
      pending: names.filter((n) => !this.runners.has(n) && (!settled || leased.has(n))),
      everyReplica: [...this.plans.keys()].filter((n) => !this.leased.has(n)).sort(),
    };
  }

  private runner(plan: StreamPlan, driver: StreamRunnerOptions['driver'], store: CursorStore | null): StreamRunner {
    const o = this.options;
    return new StreamRunner({
      plan,
      driver,
      handOff: this.handOff,
      store,
      logger: o.logger,
      now: this.now,
      flushEveryMs: o.cursorFlushMs ?? 1_000,
      retryDelaysMs: o.intake.rebuildDelaysMs,
      ...(o.onCatchUp ? { onCatchUp: o.onCatchUp } : {}),
      ...(o.overloaded ? { overloaded: o.overloaded, onShed: () => o.metrics.changesDeferred.inc({ stream: plan.name }) } : {}),
    });
  }

  private serially(stream: string, step: () => Promise<void>): Promise<void> {
    const next = (this.transitions.get(stream) ?? Promise.resolve()).then(step).catch((error: unknown) => {
      this.options.logger.error({ err: error, stream }, 'intake stream hand-over step failed');
    });
    this.transitions.set(stream, next);
    return next;
  }

  /** A fresh driver and runner: the cursor is read now, after the lease, so it is the last holder's. */
  private hold(lease: Lease): void {
    void this.serially(lease.stream, async () => {
      const plan = this.plans.get(lease.stream);
      if (!plan || this.stopping || !this.leases?.holds(lease)) return;
      const { db } = this.options;
      const store = db ? createFencedCursorStore(db, lease, () => this.leases?.fenced(lease)) : null;
      const runner = this.runner(plan, createDriver(plan, db, this.now), store);
      this.runners.set(plan.name, runner);
      await runner.open();
      if (this.runners.get(plan.name) === runner && this.leases.holds(lease)) this.source.add(plan.carrier.name);
    });
  }

  /** Nothing of the stream is handed on after this is called; the runner's last save is fenced. */
  private letGo(stream: string): Promise<void> {
    const runner = this.runners.get(stream);
    this.runners.delete(stream);
    const carrier = this.plans.get(stream)?.carrier.name;
    return this.serially(stream, async () => {
      if (carrier) await this.source.remove(carrier);
      await runner?.close();
    });
  }
}
