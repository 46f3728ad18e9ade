import type { RealtimeChannel } from '@supabase/supabase-js';
import type { IntakeConfig, SubscriptionConfig } from '../config/worker-config.schema';
import type { Logger } from '../lib/logger';
import { tableChannel, type ChannelSpec } from './channel-spec';
import type { HeartbeatStatus, RealtimeClientLike, RealtimeHooks } from './realtime-client';
import { describeChannelError, isLiveSignal, openChannel, type SystemPayload } from './realtime-channel';
import { SubscriptionTracker, type SubscriptionStatus } from './subscription-tracker';
import { readUndecodedChange } from './undecoded-frame';

export interface ChangeSource {
  start(): void;
  /** Leaves every channel; nothing arrives after it resolves. Idempotent. */
  stop(): Promise<void>;
  statuses(): readonly SubscriptionStatus[];
}

export interface RealtimeSourceOptions {
  readonly subscriptions: readonly SubscriptionConfig[];
  readonly intake: IntakeConfig;
  readonly logger: Logger;
  readonly connect: (hooks: RealtimeHooks) => RealtimeClientLike;
  /** Receives every raw change payload; validation happens downstream. */
  readonly onChange: (subscription: SubscriptionConfig, payload: unknown) => void;
  /** A frame realtime-js could not decode; it never reaches onChange. */
  readonly onUndecodableFrame: (error: unknown) => void;
  /**
   * Such a frame read back raw (undecoded-frame.ts), when it is a change on a subscription's
   * channel: true when the stream judged it (refused it with a reason), else it is undecodable.
   */
  readonly onUndecodedChange?: (subscription: SubscriptionConfig, payload: unknown) => boolean;
  /** Called on every transition to live: first start, each reconnect, each rebuilt channel. */
  readonly onLive?: (subscription: SubscriptionConfig) => void;
  /** Every change of a subscription's state, e.g. to time how long it has not been live. */
  readonly onStateChange?: (status: SubscriptionStatus) => void;
  /** What each subscription's channel listens to; by default postgres_changes on its table. */
  readonly channelFor?: (subscription: SubscriptionConfig) => ChannelSpec;
  /** Subscriptions not joined at start: each waits for add() (its stream's lease is held). */
  readonly onDemand?: ReadonlySet<string>;
  readonly now?: () => number;
}

const STANDBY = 'another replica holds this stream; standing by to take it over';

/**
 * One Realtime channel per subscription. realtime-js reconnects sockets and rejoins channels by
 * itself; this class only watches, and steps in where the library gives up: a server-side CLOSED
 * (terminal for the library, including a binding mismatch), a channel that joins but never goes
 * live, and a socket that stopped answering heartbeats without the library noticing.
 */
export class RealtimeSource implements ChangeSource {
  private client: RealtimeClientLike | undefined;
  private readonly channels = new Map<string, { channel: RealtimeChannel; generation: number }>();
  private readonly tracker: SubscriptionTracker;
  private readonly now: () => number;
  private lastHeartbeatOkAt = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private readonly rebuildTimers = new Map<string, NodeJS.Timeout>();
  private generation = 0;
  private stopping: Promise<void> | undefined;
  /** The subscriptions this source should have joined: all of them, or those add() named. */
  private readonly wanted = new Set<string>();

  constructor(private readonly options: RealtimeSourceOptions) {
    this.now = options.now ?? Date.now;
    this.tracker = new SubscriptionTracker(options.subscriptions, this.now, options.onStateChange);
    for (const s of options.subscriptions) {
      if (options.onDemand?.has(s.name)) this.tracker.set(s.name, 'standby', STANDBY);
      else this.wanted.add(s.name);
    }
  }

  /** Joins one subscription's channel (on demand: its stream's lease was taken). */
  add(name: string): void {
    const subscription = this.options.subscriptions.find((s) => s.name === name);
    if (!subscription || this.wanted.has(name) || this.stopping) return;
    // No channel, no socket, no heart-beats: the watchdog's clock starts with the first channel.
    if (this.wanted.size === 0) this.lastHeartbeatOkAt = this.now();
    this.wanted.add(name);
    this.join(subscription);
  }

  /** Leaves one subscription's channel; nothing of it is delivered once this is called. */
  async remove(name: string): Promise<void> {
    if (!this.wanted.delete(name)) return;
    clearTimeout(this.rebuildTimers.get(name));
    this.rebuildTimers.delete(name);
    const entry = this.channels.get(name);
    this.channels.delete(name);
    if (!this.stopping) this.tracker.set(name, 'standby', STANDBY);
    if (entry) await this.client?.removeChannel(entry.channel).catch(() => undefined);
  }

  start(): void {
    if (this.client || this.stopping) return;
    this.client = this.options.connect({
      onHeartbeat: (status) => this.onHeartbeat(status),
      onFrameError: (error, frame) => this.onFrameError(error, frame),
    });
    this.lastHeartbeatOkAt = this.now();
    for (const subscription of this.options.subscriptions) if (this.wanted.has(subscription.name)) this.join(subscription);
    const interval = this.options.intake.heartbeatIntervalMs;
    this.watchdog = setInterval(() => this.checkWatchdog(), Math.max(50, Math.floor(interval / 2)));
    this.watchdog.unref();
  }

  statuses(): readonly SubscriptionStatus[] {
    return this.tracker.snapshot();
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    clearInterval(this.watchdog);
    for (const timer of this.rebuildTimers.values()) clearTimeout(timer);
    this.rebuildTimers.clear();
    this.channels.clear();
    for (const s of this.options.subscriptions) this.tracker.set(s.name, 'stopped', 'worker is stopping');
    await this.client?.removeAllChannels();
  }

  private join(subscription: SubscriptionConfig): void {
    const client = this.client;
    if (!client || this.stopping || !this.wanted.has(subscription.name)) return;
    const generation = ++this.generation;
    const spec = this.specOf(subscription);
    const channel = openChannel(client, `wedsync-${subscription.name}`, spec, (payload) => this.deliver(subscription, generation, payload));
    channel.on('system', {}, (payload: SystemPayload) => this.onSystem(subscription, generation, payload));
    channel.subscribe((status, error) => this.onStatus(subscription, generation, status, error));
    this.channels.set(subscription.name, { channel, generation });
    this.tracker.set(subscription.name, 'joining', 'joining channel');
  }

  private specOf(subscription: SubscriptionConfig): ChannelSpec {
    return this.options.channelFor?.(subscription) ?? tableChannel(subscription);
  }


  private isCurrent(subscription: SubscriptionConfig, generation: number): boolean {
    return !this.stopping && this.channels.get(subscription.name)?.generation === generation;
  }

  private deliver(subscription: SubscriptionConfig, generation: number, payload: unknown): void {
    if (!this.isCurrent(subscription, generation)) return;
    this.tracker.noteChange(subscription.name);
    try {
      this.options.onChange(subscription, payload);
    } catch (error) {
      // Never let a downstream bug propagate into the socket's message handler.
      this.options.logger.error({ err: error, subscription: subscription.name }, 'change handler failed');
    }
  }

  private onFrameError(error: unknown, frame: unknown): void {
    const change = readUndecodedChange(frame);
    const subscription = change && this.options.subscriptions.find((s) => !this.stopping && this.channels.get(s.name)?.channel.topic === change.topic);
    if (change && subscription && this.options.onUndecodedChange?.(subscription, change.payload)) return;
    this.options.onUndecodableFrame(error);
  }

  private onSystem(subscription: SubscriptionConfig, generation: number, payload: SystemPayload): void {
    if (!this.isCurrent(subscription, generation)) return;
    const log = this.options.logger.child({ subscription: subscription.name });
    if (payload.status === 'ok' && isLiveSignal(this.specOf(subscription), payload)) {
      this.tracker.set(subscription.name, 'live', null);
      log.info('subscription live');
      try {
        this.options.onLive?.(subscription);
      } catch (error) {
        log.error({ err: error }, 'live handler failed');
      }
    } else if (payload.status === 'error') {
      const reason = `${payload.extension ?? 'system'}: ${payload.message ?? 'error'}`;
      this.tracker.set(subscription.name, 'errored', reason);
      log.warn({ reason }, 'realtime reported an error');
    }
  }

  private onStatus(subscription: SubscriptionConfig, generation: number, status: string, error?: Error): void {
    const current = this.tracker.get(subscription.name);
    const log = this.options.logger.child({ subscription: subscription.name, status });
    if (status === 'CHANNEL_ERROR' && current?.state === 'closed' && current.generation === generation) {
      // realtime-js reports a binding mismatch as CLOSED followed by CHANNEL_ERROR with the cause.
      this.tracker.set(subscription.name, 'closed', describeChannelError(error), generation);
      log.warn({ reason: describeChannelError(error) }, 'channel closed');
      return;
    }
    if (!this.isCurrent(subscription, generation)) return;
    switch (status) {
      case 'SUBSCRIBED':
        this.tracker.set(
          subscription.name,
          'subscribed',
          this.specOf(subscription).kind === 'broadcast'
            ? 'joined; waiting for "Replication connection established"'
            : 'joined; waiting for "Subscribed to PostgreSQL"',
        );
        log.info('channel joined');
        break;
      case 'CHANNEL_ERROR':
      case 'TIMED_OUT': {
        const reason = status === 'TIMED_OUT' ? 'join timed out' : describeChannelError(error);
        this.tracker.set(subscription.name, 'errored', reason);
        log.warn({ reason }, 'channel error; realtime-js retries');
        break;
      }
      case 'CLOSED': {
        const previous = current?.state === 'errored' ? current.reason : null;
        this.tracker.set(subscription.name, 'closed', previous ?? 'closed by the server', generation);
        log.warn({ reason: previous }, 'channel closed by the server; rebuilding');
        this.scheduleRebuild(subscription);
        break;
      }
    }
  }

  private scheduleRebuild(subscription: SubscriptionConfig): void {
    if (this.stopping || this.rebuildTimers.has(subscription.name)) return;
    const delays = this.options.intake.rebuildDelaysMs;
    const attempt = this.tracker.nextRebuildAttempt(subscription.name);
    const delay = delays[Math.min(attempt, delays.length - 1)] ?? 1_000;
    const timer = setTimeout(() => void this.rebuild(subscription), delay);
    timer.unref();
    this.rebuildTimers.set(subscription.name, timer);
  }

  private async rebuild(subscription: SubscriptionConfig): Promise<void> {
    this.rebuildTimers.delete(subscription.name);
    const old = this.channels.get(subscription.name);
    this.channels.delete(subscription.name);
    if (old) await this.client?.removeChannel(old.channel).catch(() => undefined);
    this.join(subscription);
  }

  /** Leaving every channel also closes the socket, so the rejoin starts on a fresh connection. */
  private async rebuildAll(): Promise<void> {
    this.channels.clear();
    await this.client?.removeAllChannels().catch(() => undefined);
    for (const subscription of this.options.subscriptions) if (this.wanted.has(subscription.name)) this.join(subscription);
  }

  private onHeartbeat(status: HeartbeatStatus): void {
    if (status === 'ok') this.lastHeartbeatOkAt = this.now();
    if (status === 'timeout') this.options.logger.warn('realtime heartbeat timed out; realtime-js reconnects');
  }

  private checkWatchdog(): void {
    if (this.stopping) return;
    const now = this.now();
    const { heartbeatIntervalMs, liveTimeoutMs } = this.options.intake;
    if (this.wanted.size === 0) return;
    if (now - this.lastHeartbeatOkAt > 3 * heartbeatIntervalMs) {
      this.options.logger.warn({ silentMs: now - this.lastHeartbeatOkAt }, 'no heartbeat reply; rebuilding every channel');
      this.lastHeartbeatOkAt = now;
      void this.rebuildAll();
      return;
    }
    for (const subscription of this.options.subscriptions) {
      const status = this.tracker.get(subscription.name);
      const stuck = status && (status.state === 'subscribed' || status.state === 'errored');
      if (stuck && now - status.sinceMs > liveTimeoutMs && !this.rebuildTimers.has(subscription.name)) {
        this.options.logger.warn({ subscription: subscription.name, reason: status.reason }, 'not live in time; rebuilding channel');
        this.scheduleRebuild(subscription);
      }
    }
  }
}
