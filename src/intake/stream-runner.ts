import type { Logger } from '../lib/logger';
import { runCatchUp, type CatchUpReport } from './catch-up';
import type { CursorStore } from './cursor-store';
import { CursorFencedError } from './fenced-cursor-store';
import type { HandOff } from './hand-off';
import type { StreamPlan } from './intake-streams';
import { CursorMarks } from './cursor-marks';
import { LiveShedding } from './live-shedding';
import { SerialTask } from './serial-task';
import type { DriverItem, StreamDriver } from './stream-driver';
import type { SubscriptionStatus } from './subscription-tracker';

export interface StreamRunnerOptions {
  readonly plan: StreamPlan;
  readonly driver: StreamDriver<unknown>;
  readonly handOff: HandOff;
  /** Null only when the stream has no catch-up. */
  readonly store: CursorStore | null;
  readonly logger: Logger;
  readonly now: () => number;
  /** Live changes move the cursor in memory at once, and to the database at most this often. */
  readonly flushEveryMs: number;
  /** Backoff before retrying a catch-up the database failed; the last value repeats. */
  readonly retryDelaysMs: readonly number[];
  /** Each finished catch-up, e.g. for a recovered-changes counter. */
  readonly onCatchUp?: (report: CatchUpReport) => void;
  /** Deciding is behind: live changes are left to catch-up (live-shedding.ts). Without it, never. */
  readonly overloaded?: () => boolean;
  /** Each live change left to catch-up. */
  readonly onShed?: () => void;
}

/** What /readyz and the logs say about a stream's lag. */
export interface StreamLag {
  readonly name: string;
  readonly mode: StreamPlan['mode'];
  readonly subscriptions: readonly string[];
  readonly live: boolean;
  readonly everLive: boolean;
  /** When it last stopped being live (or started), null while live. */
  readonly notLiveSinceMs: number | null;
  readonly notLiveGraceMs: number;
  /** Commit time of the newest change handed on, and when that was. */
  readonly newestChangeAtMs: number | null;
  readonly newestHandedAtMs: number | null;
  readonly catchingUp: boolean;
  readonly lastCatchUp: (CatchUpReport & { readonly finishedAtMs: number }) | null;
  readonly lastCatchUpError: string | null;
  /** Live changes are being left to catch-up because deciding is behind: since when, and how many. */
  readonly shedding: { readonly sinceMs: number; readonly shed: number } | null;
}

/**
 * One stream's intake: live payloads and catch-up runs go through the same hand-off, and both
 * move the same cursor. Catch-up runs on every transition to live, one at a time (a transition
 * during a run queues one more), and is retried with backoff when the database fails.
 */
export class StreamRunner {
  /** The cursor is loaded and on disk: only then may the stream be called live. */
  private opened = false;
  private loaded = false;
  private unsaved = false;
  private opening: Promise<void> | undefined;
  private readonly marks: CursorMarks;
  private saving: Promise<void> = Promise.resolve();
  private flushTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retries = 0;
  private closing = false;
  private readonly task: SerialTask;
  private readonly shedding: LiveShedding;
  private live = false;
  private everLive = false;
  private notLiveSinceMs: number | null;
  private newestChangeAtMs: number | null = null;
  private newestHandedAtMs: number | null = null;
  private lastCatchUp: StreamLag['lastCatchUp'] = null;
  private lastCatchUpError: string | null = null;

  constructor(private readonly o: StreamRunnerOptions) {
    this.notLiveSinceMs = o.now();
    this.task = new SerialTask(() => this.catchUpOnce());
    this.marks = new CursorMarks(o.driver.catchUp);
    this.shedding = new LiveShedding({
      stream: o.plan.name,
      readsBackEverything: o.plan.mode !== 'table' && o.driver.catchUp !== null,
      overloaded: o.overloaded ?? null,
      logger: o.logger,
      now: o.now,
      ...(o.onShed ? { onShed: o.onShed } : {}),
    });
  }

  get name(): string {
    return this.o.plan.name;
  }

  /** Loads the cursor; a failure is logged and retried by the next catch-up. */
  open(): Promise<void> {
    this.opening ??= this.load().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async load(): Promise<void> {
    const catchUp = this.o.driver.catchUp;
    if (!catchUp || this.opened) return;
    try {
      if (!this.loaded) {
        this.unsaved = !(await catchUp.open(await this.o.store!.load(this.name)));
        this.loaded = true;
      }
      // A fresh stream starts at "now" (the newest row). Until that is on disk, a crash would send
      // the restart to a later "now", and every change in between would be lost; opening the
      // cursor again would do the same, so only the save is retried.
      if (this.unsaved) {
        await this.o.store!.save(this.name, await catchUp.position());
        this.unsaved = false;
      }
      this.opened = true;
      if (this.live) this.everLive = true;
      this.marks.attach();
      if (this.closing) return;
      this.flushTimer = setInterval(() => void this.flushIfDirty(), this.o.flushEveryMs);
      this.flushTimer.unref();
    } catch (error) {
      this.o.logger.error({ err: error, subscription: this.name }, 'intake cursor not loaded; catch-up retries');
    }
  }

  /** A payload Realtime pushed. Never throws: it runs inside the socket's message handler. */
  onPayload(payload: unknown): void {
    try {
      if (this.leftToCatchUp()) return;
      const item = this.o.driver.live(payload);
      void this.deliver(item).settled;
      if (item.incomplete) this.requestCatchUp();
    } catch (error) {
      this.o.logger.error({ err: error, subscription: this.name }, 'live change not handled');
    }
  }

  /**
   * A payload rebuilt from a frame realtime-js could not decode. Refused by this stream's checks,
   * it is refused with their reason, as every mode refuses it. One they would take is not handed
   * on (its values missed realtime-js's conversions): false, the caller counts the frame
   * undecodable, and a catch-up reads the change back from the database where there is one.
   */
  onUndecodedPayload(payload: unknown): boolean {
    try {
      if (this.leftToCatchUp()) return true;
      const item = this.o.driver.live(payload);
      if (item.routed.kind !== 'rejected') {
        this.requestCatchUp();
        return false;
      }
      void this.deliver(item).settled;
      if (item.incomplete) this.requestCatchUp();
      return true;
    } catch (error) {
      this.o.logger.error({ err: error, subscription: this.name }, 'undecodable change not judged');
      return false;
    }
  }

  /** Only once the cursor is on disk: before that, a catch-up could start past the change. */
  private leftToCatchUp(): boolean {
    if (!this.opened || !this.shedding.sheds()) return false;
    this.requestCatchUp();
    return true;
  }

  onLive(): void {
    this.requestCatchUp();
  }

  onState(status: SubscriptionStatus): void {
    const live = status.state === 'live';
    if (live) {
      if (this.opened || !this.o.driver.catchUp) this.everLive = true;
      this.notLiveSinceMs = null;
    } else if (this.live || this.notLiveSinceMs === null) {
      this.notLiveSinceMs = this.o.now();
    }
    this.live = live;
  }

  /** Waits for a catch-up under way, then saves the cursor. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.flushTimer);
    await this.opening;
    await this.task.idle();
    if (this.opened) {
      this.marks.dirty = true;
      await this.flushIfDirty();
    }
  }

  lag(): StreamLag {
    const { plan } = this.o;
    return {
      name: plan.name,
      mode: plan.mode,
      subscriptions: plan.members.map((m) => m.name),
      live: this.isLive(),
      everLive: this.everLive,
      notLiveSinceMs: this.isLive() ? null : this.notLiveSinceMs,
      notLiveGraceMs: plan.notLiveGraceMs,
      newestChangeAtMs: this.newestChangeAtMs,
      newestHandedAtMs: this.newestHandedAtMs,
      catchingUp: this.task.busy,
      lastCatchUp: this.lastCatchUp,
      lastCatchUpError: this.lastCatchUpError,
      shedding: this.shedding.state(),
    };
  }

  /** Live on the socket, and (with catch-up) its cursor durable. */
  private isLive(): boolean {
    return this.live && (this.opened || !this.o.driver.catchUp);
  }

  private requestCatchUp(): void {
    if (this.o.driver.catchUp && !this.closing) this.task.request();
  }

  private async catchUpOnce(): Promise<void> {
    const catchUp = this.o.driver.catchUp;
    if (!catchUp || this.closing) return;
    clearTimeout(this.retryTimer);
    try {
      if (!this.opened) await this.open();
      if (!this.opened) throw new Error('intake cursor not loaded');
      const report = await runCatchUp({
        stream: this.name,
        driver: catchUp,
        deliver: (item) => this.deliver(item),
        save: () => this.save(),
        stopping: () => this.closing,
        logger: this.o.logger,
        now: this.o.now,
      });
      this.lastCatchUp = { ...report, finishedAtMs: this.o.now() };
      this.lastCatchUpError = null;
      this.retries = 0;
      this.o.onCatchUp?.(report);
      if (!report.interrupted && this.shedding.caughtUp()) this.requestCatchUp();
    } catch (error) {
      this.lastCatchUpError = error instanceof Error ? error.message : String(error);
      const delays = this.o.retryDelaysMs;
      const delay = delays[Math.min(this.retries, delays.length - 1)] ?? 1_000;
      this.retries += 1;
      this.o.logger.error({ err: error, subscription: this.name, retryInMs: delay }, 'catch-up failed');
      if (this.closing) return;
      this.retryTimer = setTimeout(() => this.requestCatchUp(), delay);
      this.retryTimer.unref();
    }
  }

  /** Hands one change on and moves the cursor past it once that is safe. */
  private deliver(item: DriverItem<unknown>): { handed: boolean; settled: Promise<void> } {
    const done = { handed: false, settled: Promise.resolve() };
    const { routed } = item;
    if (routed.kind === 'rejected') {
      this.o.handOff.reject(routed.subscription, routed.error);
      this.marks.note(item.mark);
      return done;
    }
    if (routed.kind === 'ignored') {
      this.o.logger.debug({ subscription: this.name, reason: routed.reason }, 'change ignored');
      this.marks.note(item.mark);
      return done;
    }
    const { event } = routed;
    const accepted = this.o.handOff.accept(event);
    if (accepted.outcome === 'duplicate') {
      if (!accepted.firstCopy) {
        this.marks.note(item.mark);
        return done;
      }
      // If the first copy fails, its own handler lets the change through again and catches up.
      return { handed: false, settled: accepted.firstCopy.then(() => this.marks.note(item.mark), () => undefined) };
    }
    this.newestHandedAtMs = this.o.now();
    this.newestChangeAtMs = Math.max(this.newestChangeAtMs ?? 0, Date.parse(event.commitTimestamp));
    if (!accepted.settled) {
      this.marks.note(item.mark);
      return { handed: true, settled: Promise.resolve() };
    }
    this.marks.hold(item.mark);
    const settled = accepted.settled.then(
      () => this.marks.note(item.mark),
      (error: unknown) => {
        // Not kept downstream: let a later copy through, and read it back.
        this.marks.fail(item.mark);
        this.o.handOff.forget(event);
        this.o.logger.error({ err: error, eventId: event.id, subscription: this.name }, 'change not handed on; catch-up reads it again');
        this.requestCatchUp();
      },
    );
    return { handed: true, settled };
  }

  private async flushIfDirty(): Promise<void> {
    if (!this.marks.dirty || !this.opened) return;
    try {
      await this.save();
    } catch (error) {
      if (error instanceof CursorFencedError) this.o.logger.info({ subscription: this.name }, 'intake cursor not saved: the stream is held by another replica now');
      else this.o.logger.warn({ err: error, subscription: this.name }, 'intake cursor not saved; retrying');
    }
  }

  /** Saves one at a time, each with the newest position, so an older one never lands last. */
  private save(): Promise<void> {
    const catchUp = this.o.driver.catchUp!;
    const next = this.saving.then(async () => {
      this.marks.dirty = false;
      try {
        await this.o.store!.save(this.name, await catchUp.position());
      } catch (error) {
        this.marks.dirty = true;
        throw error;
      }
    });
    this.saving = next.catch(() => undefined);
    return next;
  }
}
