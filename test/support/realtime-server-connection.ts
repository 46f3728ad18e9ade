/**
 * One accepted WebSocket of the fake Realtime server: the Phoenix socket + channel state machine.
 *
 * Protocol reference: /work/shared/reference/realtime-protocol.md §1.3–1.4, §2, §3.4, §7.
 */
import type { WebSocket } from 'ws';
import { bindingId, unparsableFilterError, type Binding, type BindingParams } from './realtime-server-changes';
import { decodeTextFrame, describeBinary, encodeTextFrame, subTopic, type PhxMessage, type Vsn } from './realtime-server-codec';
import { consumeKnob, drawDelay, JOIN_RATE_REFUSAL, TOKEN_EXPIRED_MESSAGE, type FakeRealtimeKnobs, type FakeRealtimeStats, type SeenToken } from './realtime-server-knobs';

export interface LoggedFrame {
  /** ms since the server started. */
  at: number;
  dir: 'in' | 'out';
  /** The raw text frame, or a description of a binary one. */
  text: string;
  /** Decoded message (`null` for binary or undecodable frames). */
  msg: PhxMessage | null;
}

/** Per-socket state of one joined channel (what the real server keeps in a channel process). */
export interface ChannelState {
  topic: string;
  joinRef: string;
  bindings: Binding[];
  /** True once "Subscribed to PostgreSQL" was sent: only then does the feed deliver changes. */
  live: boolean;
  /**
   * The join asked for `broadcast.replication_ready`: database broadcasts reach it only after
   * "Replication connection established" (a channel without bindings then also counts as live).
   */
  awaitsReplication: boolean;
  replicationReady: boolean;
}

/** What a connection needs from the server that owns it. */
export interface ConnectionContext {
  knobs: FakeRealtimeKnobs;
  stats: FakeRealtimeStats;
  tokens: SeenToken[];
  elapsedMs(): number;
}

export interface ConnectionInfo {
  id: number;
  vsn: Vsn;
  apikey: string | null;
  path: string;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export class FakeConnection {
  readonly frames: LoggedFrame[] = [];
  readonly channels = new Map<string, ChannelState>();
  readonly openedAt: number;
  closedAt: number | null = null;
  closeCode: number | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** When this socket's recent joins arrived (ms since server start), for `joinsPerSecond`. */
  private joinTimes: number[] = [];
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly info: ConnectionInfo,
    private readonly ws: WebSocket,
    private readonly ctx: ConnectionContext,
  ) {
    this.openedAt = ctx.elapsedMs();
    ws.on('message', (data, isBinary) => this.onFrame(data as Buffer, isBinary));
    ws.on('close', (code) => this.onClosed(code));
    ws.on('error', () => undefined); // a reset by the client is normal in tests; 'close' follows
    this.armIdleTimer();
  }

  get id(): number {
    return this.info.id;
  }

  get isOpen(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  /** Sends one message; returns false if nothing went out (closed socket or black-hole mode). */
  send(msg: PhxMessage): boolean {
    if (!this.isOpen || this.ctx.knobs.blackHole) return false;
    const text = encodeTextFrame(msg, this.info.vsn);
    this.ws.send(text);
    this.log('out', text, msg);
    return true;
  }

  sendRaw(text: string): boolean {
    if (!this.isOpen || this.ctx.knobs.blackHole) return false;
    this.ws.send(text);
    this.log('out', text, decodeTextFrame(text, this.info.vsn));
    return true;
  }

  sendBinary(frame: Buffer): boolean {
    if (!this.isOpen || this.ctx.knobs.blackHole) return false;
    this.ws.send(frame, { binary: true });
    this.log('out', describeBinary(frame), null);
    return true;
  }

  /** `extension: "postgres_changes" | "system"`; channel pushes carry the join_ref and a null ref. */
  sendSystem(ch: ChannelState, extension: string, status: 'ok' | 'error', message: string): boolean {
    const payload = { extension, status, message, channel: subTopic(ch.topic) };
    return this.send({ joinRef: ch.joinRef, ref: null, topic: ch.topic, event: 'system', payload });
  }

  /**
   * Channel exits are encoded with ref = join_ref: realtime-js ignores phx_close / phx_error
   * whose ref differs from its current join push ref (`_notThisChannelEvent`).
   */
  sendChannelExit(ch: ChannelState, event: 'phx_close' | 'phx_error'): boolean {
    return this.send({ joinRef: ch.joinRef, ref: ch.joinRef, topic: ch.topic, event, payload: {} });
  }

  /** Ends the SUBSCRIBED → "Subscribed to PostgreSQL" gap now (for a join held with systemMessage 'never'). */
  subscribeNow(ch: ChannelState): boolean {
    if (ch.live || ch.bindings.length === 0) return false;
    if (!this.sendSystem(ch, 'postgres_changes', 'ok', 'Subscribed to PostgreSQL')) return false;
    ch.live = true;
    return true;
  }

  /** `system` error (optional) then phx_close: the client reports CLOSED and never rejoins. */
  closeChannel(ch: ChannelState, systemError?: string): boolean {
    if (systemError !== undefined) this.sendSystem(ch, 'system', 'error', systemError);
    this.channels.delete(ch.topic);
    return this.sendChannelExit(ch, 'phx_close');
  }

  /** The channel process "crashed": the client rejoins after its rejoin backoff. */
  errorChannel(ch: ChannelState): boolean {
    this.channels.delete(ch.topic);
    return this.sendChannelExit(ch, 'phx_error');
  }

  /** `terminate` sends no close frame, so the client sees 1006. */
  drop(mode: 'terminate' | 'close', code = 1000, reason = ''): void {
    if (mode === 'terminate') this.ws.terminate();
    else this.ws.close(code, reason);
  }

  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.ws.terminate();
  }

  /** Runs `fn` after `ms`, synchronously when `ms <= 0` so zero-delay replies keep frame order. */
  private later(ms: number, fn: () => void): void {
    if (ms <= 0) return fn();
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private log(dir: 'in' | 'out', text: string, msg: PhxMessage | null): void {
    this.frames.push({ at: this.ctx.elapsedMs(), dir, text, msg });
  }

  private onClosed(code: number): void {
    this.closedAt = this.ctx.elapsedMs();
    this.closeCode = code;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.channels.clear();
  }

  private armIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const ms = this.ctx.knobs.idleTimeoutMs;
    if (ms !== null) this.idleTimer = setTimeout(() => this.ws.close(1000, 'idle timeout'), ms);
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    this.armIdleTimer();
    if (isBinary) {
      // Client binary frames are kind-3 broadcast pushes; this fake does not route them.
      this.log('in', describeBinary(data), null);
      return;
    }
    const text = data.toString('utf8');
    const msg = decodeTextFrame(text, this.info.vsn);
    this.log('in', text, msg);
    if (!msg) return;
    if (msg.topic === 'phoenix' && msg.event === 'heartbeat') return this.onHeartbeat(msg);
    if (this.ctx.knobs.blackHole) return;
    switch (msg.event) {
      case 'phx_join':
        return this.onJoin(msg);
      case 'phx_leave':
        return this.onLeave(msg);
      case 'access_token':
        return this.onAccessToken(msg);
      default:
        return this.onOtherEvent(msg);
    }
  }

  private reply(msg: PhxMessage, status: 'ok' | 'error', response: unknown): void {
    this.send({ joinRef: msg.joinRef, ref: msg.ref, topic: msg.topic, event: 'phx_reply', payload: { status, response } });
  }

  private onHeartbeat(msg: PhxMessage): void {
    this.ctx.stats.heartbeats += 1;
    const { heartbeat, heartbeatDelayMs } = this.ctx.knobs;
    if (heartbeat === 'drop') return;
    const status = heartbeat === 'error' ? 'error' : 'ok';
    // The client matches the reply by ref alone and then schedules its next heartbeat.
    this.later(heartbeatDelayMs, () => this.reply(msg, status, {}));
  }

  private onJoin(msg: PhxMessage): void {
    const { knobs, stats } = this.ctx;
    stats.joins[msg.topic] = (stats.joins[msg.topic] ?? 0) + 1;
    const payload = asRecord(msg.payload);
    if (typeof payload.access_token === 'string') this.recordToken(msg.topic, 'phx_join', payload.access_token);

    // A second join on the same topic supersedes the first (Phoenix closes the old channel
    // process). The client relies on this: after a failed first connect it flushes a stale
    // buffered join and then sends a fresh one on the same socket.
    const previous = this.channels.get(msg.topic);
    if (previous) {
      this.channels.delete(msg.topic);
      if (knobs.closeSupersededJoin) this.sendChannelExit(previous, 'phx_close');
    }

    if (this.overJoinRate()) {
      // The limiter answers at once and then drops the whole socket.
      this.reply(msg, 'error', { reason: JOIN_RATE_REFUSAL });
      this.ws.close(1000, 'join rate limit');
      return;
    }
    if (consumeKnob(knobs, 'swallowJoins')) return;
    if (consumeKnob(knobs, 'refuseJoins')) {
      const reason = knobs.refuseJoinReason;
      return this.later(knobs.refuseJoinDelayMs, () => this.reply(msg, 'error', { reason }));
    }

    const config = asRecord(payload.config);
    const requested = Array.isArray(config.postgres_changes) ? config.postgres_changes.map(asRecord) : [];
    const bindings: Binding[] = requested.map((params: BindingParams) => ({ params, id: bindingId(params) }));
    // The reply echoes the client's own param maps, in order, plus `id`; the client compares
    // index by index and treats any difference as a fatal "mismatch".
    const echoed: BindingParams[] = bindings.map((b) => ({ ...b.params, id: b.id }));
    const first = echoed[0];
    if (first && consumeKnob(knobs, 'mismatchBindings')) echoed[0] = { ...first, table: `${String(first.table)}_mismatch` };

    const awaitsReplication = asRecord(config.broadcast).replication_ready === true;
    const state: ChannelState = { topic: msg.topic, joinRef: msg.joinRef ?? msg.ref ?? '', bindings, live: false, awaitsReplication, replicationReady: false };
    this.later(knobs.joinReplyDelayMs, () => {
      if (!this.isOpen) return;
      this.channels.set(state.topic, state);
      // Always include the array: without it the client skips id matching altogether.
      this.reply(msg, 'ok', { postgres_changes: echoed });
      if (bindings.length > 0) this.scheduleSystemMessage(state);
      if (awaitsReplication) this.scheduleReplicationReady(state);
    });
  }

  private overJoinRate(): boolean {
    const limit = this.ctx.knobs.joinsPerSecond;
    const now = this.ctx.elapsedMs();
    this.joinTimes = this.joinTimes.filter((t) => now - t < 1_000);
    this.joinTimes.push(now);
    return limit !== null && this.joinTimes.length > limit;
  }

  /**
   * The `system` message a replication_ready join gets once the tenant's replication connection
   * is up (§2.4, §3.4). The same knobs as "Subscribed to PostgreSQL": `never` withholds it;
   * `error` is the "not established in time" system error, which is always followed by phx_close.
   */
  private scheduleReplicationReady(state: ChannelState): void {
    const { systemMessage, systemDelayMs } = this.ctx.knobs;
    if (systemMessage === 'never') return;
    this.later(drawDelay(systemDelayMs), () => {
      if (this.channels.get(state.topic) !== state) return;
      if (systemMessage === 'error') {
        this.closeChannel(state, 'Replication connection was not established in time');
        return;
      }
      if (!this.sendSystem(state, 'system', 'ok', 'Replication connection established')) return;
      state.replicationReady = true;
      if (state.bindings.length === 0) state.live = true;
    });
  }

  /**
   * The join reply precedes the DB subscription; the feed is live only after this message. A bad
   * filter fails the whole subscription, asynchronously: the error comes where "Subscribed" would.
   */
  private scheduleSystemMessage(state: ChannelState): void {
    const { systemMessage, systemDelayMs, systemErrorMessage } = this.ctx.knobs;
    if (systemMessage === 'never') return;
    const filterError = unparsableFilterError(state.bindings);
    this.later(drawDelay(systemDelayMs), () => {
      if (this.channels.get(state.topic) !== state) return; // superseded or left meanwhile
      if (systemMessage === 'error' || filterError !== null) {
        this.sendSystem(state, 'postgres_changes', 'error', filterError ?? systemErrorMessage);
        return;
      }
      if (this.sendSystem(state, 'postgres_changes', 'ok', 'Subscribed to PostgreSQL')) state.live = true;
    });
  }

  private onLeave(msg: PhxMessage): void {
    this.ctx.stats.leaves += 1;
    this.channels.delete(msg.topic);
    this.reply(msg, 'ok', {});
  }

  private onAccessToken(msg: PhxMessage): void {
    this.ctx.stats.accessTokens += 1;
    const token = asRecord(msg.payload).access_token;
    if (typeof token === 'string') this.recordToken(msg.topic, 'access_token', token);
    const ch = this.channels.get(msg.topic);
    // Success has no reply; failure is a system error followed by phx_close.
    if (ch && this.ctx.knobs.expireOnAccessToken) this.closeChannel(ch, TOKEN_EXPIRED_MESSAGE);
  }

  /** Broadcast/presence pushes on joined topics are accepted silently; Phoenix rejects the rest. */
  private onOtherEvent(msg: PhxMessage): void {
    if (msg.topic === 'phoenix' || this.channels.has(msg.topic) || msg.ref === null) return;
    this.reply(msg, 'error', { reason: 'unmatched topic' });
  }

  private recordToken(topic: string, via: SeenToken['via'], token: string): void {
    this.ctx.tokens.push({ connectionId: this.id, topic, via, token });
  }
}
