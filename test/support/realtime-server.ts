/**
 * A loopback Supabase Realtime server that the REAL `@supabase/supabase-js` client (2.119.0) talks
 * to unchanged. Production-like by default, timings included (refusals after 2 s / 5 s, the feed
 * live 1–3 s after the join, 100 rows a poll, polled again at once while rows come); `timing: 'fast'` only shortens the
 * delays, for tests that are not about time. Every failure mode is a knob in `server.knobs`.
 *
 *   const rt = await startFakeRealtime({ timing: 'fast' });
 *   const supabase = createClient(rt.url, 'anon', { realtime: { transport: WebSocket as any } });
 *   rt.knobs.refuseJoins = 2;                      // mutate at runtime
 *   rt.emitChange({ table: 'jobs', type: 'INSERT', record: { id: 1 } });
 *
 * Spec: /work/shared/reference/realtime-protocol.md §7. Wire details live in the helper modules.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { bindingCoversTable, bindingMatchesChange, buildChangeData, type ChangeSpec } from './realtime-server-changes';
import { encodeUserBroadcast, fullTopic, parseVsn, subTopic, type PhxMessage } from './realtime-server-codec';
import { FakeConnection, type ChannelState, type LoggedFrame } from './realtime-server-connection';
import { consumeKnob, defaultKnobs, emptyStats, httpErrorResponse, upgradeErrorMessage, type FakeRealtimeKnobs, type FakeRealtimeStats, type RefusalStatus, type SeenToken, type Timing } from './realtime-server-knobs';
import { waitFor, type WaitOptions } from './wait-for';
import { BroadcastFollower, OutboxFollower, pollSettings, type Follower } from './realtime-server-follow';
import { AveragedRate } from './realtime-server-rate';
import type { Pool } from 'pg';

export { waitFor, type WaitOptions } from './wait-for';
export { buildChangeData, inferColumns, type ChangeSpec, type ChangeType, type ColumnSpec, type Row } from './realtime-server-changes';
export { TOO_LARGE_ERROR } from './realtime-server-changes';
export { DEFAULT_JOIN_REFUSAL, JOIN_RATE_REFUSAL, TOKEN_EXPIRED_MESSAGE, type Timing, type FakeRealtimeKnobs, type FakeRealtimeStats, type RefusalStatus, type SeenToken } from './realtime-server-knobs';
export type { ChannelState, FakeConnection, LoggedFrame } from './realtime-server-connection';
export type { PhxMessage, Vsn } from './realtime-server-codec';
export type { Follower } from './realtime-server-follow';

export interface FakeRealtimeOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** `production` (default) or `fast`: which delays the knobs start with. */
  timing?: Timing;
  /** Initial knob values, over the timing's; everything else starts faithful. */
  knobs?: Partial<FakeRealtimeKnobs>;
}

export interface ConnectionLoggedFrame extends LoggedFrame {
  connectionId: number;
}

/** `/realtime/v1/websocket` is what supabase-js uses; `/socket/websocket` is bare self-hosted Realtime. */
const WEBSOCKET_PATHS = new Set(['/realtime/v1/websocket', '/socket/websocket']);

export async function startFakeRealtime(options: FakeRealtimeOptions = {}): Promise<FakeRealtime> {
  const server = new FakeRealtime(options.knobs ?? {}, options.timing);
  await server.listen(options.port ?? 0);
  return server;
}

export class FakeRealtime {
  readonly knobs: FakeRealtimeKnobs;
  readonly stats: FakeRealtimeStats = emptyStats();
  /** Every token the client presented, in order. */
  readonly tokens: SeenToken[] = [];
  /** Every refused upgrade: when it came and when it was answered (ms since start; null = not yet). */
  readonly refusedUpgrades: Array<{ status: RefusalStatus; receivedAt: number; answeredAt: number | null }> = [];
  /** Every accepted connection, open or closed, in order (ids start at 1). */
  readonly connections: FakeConnection[] = [];
  private readonly http: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly rawSockets = new Set<Socket>();
  private readonly pendingRefusals = new Set<NodeJS.Timeout>();
  private readonly startedAt = Date.now();
  private boundPort = 0;
  private closing: Promise<void> | null = null;
  private readonly followers = new Set<Follower>();
  private readonly eventRate = new AveragedRate();

  constructor(knobs: Partial<FakeRealtimeKnobs> = {}, timing: Timing = 'production') {
    this.knobs = { ...defaultKnobs(timing), ...knobs };
    this.http = createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
    });
    this.http.on('connection', (socket) => {
      this.rawSockets.add(socket);
      socket.on('close', () => this.rawSockets.delete(socket));
    });
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
  }

  get port(): number {
    return this.boundPort;
  }

  /** What to pass to `createClient` as the Supabase URL. */
  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  /** @internal Used by startFakeRealtime and comeBack. */
  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, '127.0.0.1', () => {
        this.http.off('error', reject);
        this.boundPort = (this.http.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  // ---------------------------------------------------------------- handshake

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Upgrade sockets come without Node's default error listener; a client reset must not crash us.
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const apikey = url.searchParams.get('apikey');
    if (!WEBSOCKET_PATHS.has(url.pathname)) return this.refuseUpgrade(socket, 404, 'not found', 0);
    if (this.knobs.expectedApiKey !== null && apikey !== this.knobs.expectedApiKey) {
      return this.refuseUpgrade(socket, 401, 'Error authorizing the connection: invalid apikey', this.knobs.refuseUpgradeDelayMs);
    }
    if (consumeKnob(this.knobs, 'refuseUpgrades')) {
      const status = this.knobs.refuseUpgradeStatus;
      return this.refuseUpgrade(socket, status, this.knobs.refuseUpgradeError ?? upgradeErrorMessage(status), this.knobs.refuseUpgradeDelayMs);
    }
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      this.stats.connections += 1;
      const info = { id: this.connections.length + 1, vsn: parseVsn(url.searchParams.get('vsn')), apikey, path: url.pathname };
      const ctx = { knobs: this.knobs, stats: this.stats, tokens: this.tokens, elapsedMs: () => Date.now() - this.startedAt };
      this.connections.push(new FakeConnection(info, ws, ctx));
    });
  }

  /** The client only sees "Unexpected server response: <status>"; the JSON body is for realism. */
  private refuseUpgrade(socket: Duplex, status: RefusalStatus, error: string, delayMs: number): void {
    this.stats.upgradesRefused += 1;
    const refusal = { status, receivedAt: Date.now() - this.startedAt, answeredAt: null as number | null };
    this.refusedUpgrades.push(refusal);
    const respond = (): void => {
      refusal.answeredAt = Date.now() - this.startedAt;
      socket.end(httpErrorResponse(status, error));
    };
    if (delayMs <= 0) return respond();
    const t = setTimeout(() => {
      this.pendingRefusals.delete(t);
      respond();
    }, delayMs);
    this.pendingRefusals.add(t);
  }

  // ---------------------------------------------------------------- data pushes

  /**
   * Delivers a database change to every LIVE channel with a matching binding and returns how many
   * channels got it. Changes made while a client is disconnected or not yet live are lost, as in
   * production (at-most-once delivery, no server-side queue). Over the events rate a channel's
   * copy is skipped; a row over `maxRecordBytes` goes out in the 413 shape.
   */
  emitChange(change: ChangeSpec): number {
    const data = buildChangeData(change, this.knobs.maxRecordBytes);
    if (data.errors !== (change.errors ?? null)) this.stats.tooLarge += 1;
    const matching = (ch: ChannelState) => ch.bindings.filter((b) => bindingMatchesChange(b.params, change));
    const withinRate = (): boolean => {
      if (this.eventRate.take(this.knobs.dbEventsRateLimit, Date.now() - this.startedAt)) return true;
      this.stats.rateLimited += 1;
      return false;
    };
    return this.deliverToLiveChannels((ch) => (matching(ch).length > 0 && withinRate() ? matching(ch) : []), data);
  }

  /** Sends an arbitrary `data` object (e.g. malformed) to every live channel bound to `table`. */
  pushRawChange(table: string, data: unknown, opts: { schema?: string } = {}): number {
    const schema = opts.schema ?? 'public';
    return this.deliverToLiveChannels((ch) => ch.bindings.filter((b) => bindingCoversTable(b.params, schema, table)), data);
  }

  private deliverToLiveChannels(select: (ch: ChannelState) => ChannelState['bindings'], data: unknown): number {
    let delivered = 0;
    for (const [conn, ch] of this.joinedChannels()) {
      if (!ch.live) continue;
      const ids = [...new Set(select(ch).map((b) => b.id))];
      if (ids.length === 0) continue;
      // Data pushes are fast-laned broadcasts: both refs are null.
      if (conn.send({ joinRef: null, ref: null, topic: ch.topic, event: 'postgres_changes', payload: { ids, data } })) delivered++;
    }
    this.stats.deliveries += delivered;
    return delivered;
  }

  /**
   * Sends a frame verbatim to every open socket (no vsn conversion): for stale join_ref,
   * unknown id and malformed-frame tests. Returns the number of sockets written to.
   */
  pushFrame(frame: string | unknown[] | Record<string, unknown>): number {
    const text = typeof frame === 'string' ? frame : JSON.stringify(frame);
    return this.openSockets().filter((conn) => conn.sendRaw(text)).length;
  }

  /**
   * Broadcast-from-Database delivery to every channel joined on `topic` (`x` or `realtime:x`).
   * Like `realtime.send`, adds the message id to an object payload that has none.
   */
  emitBroadcast(
    topic: string,
    event: string,
    payload: unknown,
    opts: { id?: string; fromDatabase?: boolean } = {},
  ): { delivered: number; id: string } {
    const id = opts.id ?? randomUUID();
    const full = fullTopic(topic);
    const isPlainObject = payload !== null && typeof payload === 'object' && !Array.isArray(payload);
    const body = isPlainObject && !('id' in payload) ? { id, ...payload } : payload;
    let delivered = 0;
    for (const [conn, ch] of this.joinedChannels(full)) {
      // A database broadcast reaches a replication_ready channel only once it was told ready.
      if (opts.fromDatabase && ch.awaitsReplication && !ch.replicationReady) continue;
      // vsn 1.0.0 sockets get the JSON form of the same broadcast.
      const sent =
        conn.info.vsn === '2.0.0'
          ? conn.sendBinary(encodeUserBroadcast(full, event, { id }, body))
          : conn.send({ joinRef: null, ref: null, topic: full, event: 'broadcast', payload: { type: 'broadcast', event, payload: body, meta: { id } } });
      if (sent) delivered++;
    }
    this.stats.deliveries += delivered;
    return { delivered, id };
  }

  // ---------------------------------------------------------------- database-driven changes

  /**
   * Streams the writes of a migrated test schema, read from its change_outbox, to live channels:
   * INSERTs on change_outbox itself and the change on its source table (old row per the table's
   * replica identity). Rows already in the outbox are skipped, like changes made before a
   * subscriber existed. `stop()` it (or close the server) before ending the pool.
   */
  async followDatabase(pool: Pool, opts: { schema: string; intervalMs?: number }): Promise<Follower> {
    const { rows } = await pool.query<{ max: string }>(`select coalesce(max(id), 0)::text as max from "${opts.schema}".change_outbox`);
    const follower = new OutboxFollower(pool, opts.schema, (change) => this.emitChange(change), pollSettings(this.knobs, opts), Number(rows[0]?.max ?? 0));
    return this.track(follower.start());
  }

  /** Streams a stand-in realtime.messages table (`schema.table`) as Broadcast-from-Database frames. */
  followBroadcasts(pool: Pool, opts: { table: string; intervalMs?: number }): Follower {
    const follower = new BroadcastFollower(pool, opts.table, (topic, event, payload, id) => this.emitBroadcast(topic, event, payload, { id, fromDatabase: true }).delivered, pollSettings(this.knobs, opts));
    return this.track(follower.start());
  }

  private track(follower: Follower): Follower {
    const stop = follower.stop.bind(follower);
    this.followers.add(follower);
    return {
      batches: follower.batches,
      settled: () => follower.settled(),
      stop: async () => {
        this.followers.delete(follower);
        await stop();
      },
    };
  }

  /**
   * Sends "Subscribed to PostgreSQL" now to joined channels not yet live (hold them in the gap
   * with `knobs.systemMessage = 'never'`, write, then release): the gap without a race.
   */
  subscribeNow(topic?: string): number {
    return this.joinedChannels(topic).filter(([conn, ch]) => conn.subscribeNow(ch)).length;
  }

  // ---------------------------------------------------------------- server-initiated failures

  /** `phx_error` (channel process crashed) for `topic` or every joined channel. */
  phxError(topic?: string): number {
    return this.joinedChannels(topic).filter(([conn, ch]) => conn.errorChannel(ch)).length;
  }

  /** Optional `system` error, then `phx_close`: the client reports CLOSED and never rejoins. */
  closeChannel(topic?: string, opts: { systemError?: string } = {}): number {
    return this.joinedChannels(topic).filter(([conn, ch]) => conn.closeChannel(ch, opts.systemError)).length;
  }

  /** `terminate` = no close frame, the client sees 1006; `close` sends `code` (default 1000). */
  dropSockets(opts: { mode?: 'terminate' | 'close'; code?: number; reason?: string } = {}): number {
    const open = this.openSockets();
    for (const conn of open) conn.drop(opts.mode ?? 'terminate', opts.code, opts.reason);
    return open.length;
  }

  /** What `UserSocket.disconnect/1` does: system "Server requested disconnect", then close. */
  serverRequestedDisconnect(): number {
    for (const [conn, ch] of this.joinedChannels()) {
      const payload = { extension: 'system', status: 'ok', message: 'Server requested disconnect', channel: subTopic(ch.topic) };
      conn.send({ joinRef: null, ref: null, topic: ch.topic, event: 'system', payload });
    }
    return this.dropSockets({ mode: 'close', code: 1000 });
  }

  /** Stops listening and kills every connection; the client sees 1006 then ECONNREFUSED. */
  async goDown(): Promise<void> {
    const closed = new Promise<void>((resolve) => (this.http.listening ? this.http.close(() => resolve()) : resolve()));
    this.killEverything();
    await closed;
  }

  /** Listens again on the SAME port, so the client's URL stays valid. */
  async comeBack(): Promise<void> {
    if (this.closing) throw new Error('FakeRealtime: comeBack() after close()');
    if (!this.http.listening) await this.listen(this.boundPort);
  }

  /** Shuts everything down; resolves when the port is released. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.followers].map((f) => f.stop()));
      await this.goDown();
      await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    })();
    return this.closing;
  }

  private killEverything(): void {
    for (const t of this.pendingRefusals) clearTimeout(t);
    this.pendingRefusals.clear();
    for (const conn of this.connections) conn.dispose();
    for (const socket of this.rawSockets) socket.destroy();
  }

  // ---------------------------------------------------------------- observability

  openSockets(): FakeConnection[] {
    return this.connections.filter((c) => c.isOpen);
  }

  /** [connection, channel] pairs on open sockets, optionally for one topic (`x` or `realtime:x`). */
  joinedChannels(topic?: string): Array<[FakeConnection, ChannelState]> {
    const wanted = topic === undefined ? undefined : fullTopic(topic);
    return this.openSockets().flatMap((conn) =>
      [...conn.channels.values()].filter((ch) => wanted === undefined || ch.topic === wanted).map((ch) => [conn, ch] as [FakeConnection, ChannelState]),
    );
  }

  /** Full topics whose postgres_changes feed is live on some open socket. */
  liveTopics(): string[] {
    return [...new Set(this.joinedChannels().filter(([, ch]) => ch.live).map(([, ch]) => ch.topic))];
  }

  /** The join_ref of `topic` on the most recent open socket that has it joined. */
  currentJoinRef(topic: string): string | null {
    return this.joinedChannels(topic).at(-1)?.[1].joinRef ?? null;
  }

  /** The binding ids the server handed out for `topic` (to craft frames with pushFrame). */
  bindingIds(topic: string): number[] {
    return this.joinedChannels(topic).at(-1)?.[1].bindings.map((b) => b.id) ?? [];
  }

  joinCount(topic?: string): number {
    if (topic !== undefined) return this.stats.joins[fullTopic(topic)] ?? 0;
    return Object.values(this.stats.joins).reduce((a, b) => a + b, 0);
  }

  /** Every frame of every connection, in time order. */
  frames(filter: { dir?: 'in' | 'out'; event?: string } = {}): ConnectionLoggedFrame[] {
    return this.connections
      .flatMap((c) => c.frames.map((f) => ({ ...f, connectionId: c.id })))
      .filter((f) => (filter.dir === undefined || f.dir === filter.dir) && (filter.event === undefined || f.msg?.event === filter.event))
      .sort((a, b) => a.at - b.at);
  }

  /** Frames received with this event (e.g. `phx_leave`), optionally on one topic. */
  received(event: string, topic?: string): PhxMessage[] {
    const wanted = topic === undefined ? undefined : fullTopic(topic);
    return this.frames({ dir: 'in', event }).flatMap((f) => (f.msg && (wanted === undefined || f.msg.topic === wanted) ? [f.msg] : []));
  }

  waitFor(predicate: () => unknown, options?: WaitOptions): Promise<void> {
    return waitFor(predicate, options).then(() => undefined);
  }

  /** Waits until at least `n` joins were received (on `topic`, or in total). */
  waitForJoins(n: number, topic?: string, options: WaitOptions = {}): Promise<void> {
    return this.waitFor(() => this.joinCount(topic) >= n, { what: `${n} joins on ${topic ?? 'any topic'}`, ...options });
  }

  /** Waits until at least `n` connections were accepted since start (cumulative). */
  waitForConnections(n: number, options: WaitOptions = {}): Promise<void> {
    return this.waitFor(() => this.stats.connections >= n, { what: `${n} connections`, ...options });
  }

  /** Waits until `topic` (or any topic) has a live postgres_changes feed. */
  waitForLive(topic?: string, options: WaitOptions = {}): Promise<void> {
    const wanted = topic === undefined ? undefined : fullTopic(topic);
    return this.waitFor(() => this.liveTopics().some((t) => wanted === undefined || t === wanted), { what: `live feed on ${wanted ?? 'any topic'}`, ...options });
  }
}
