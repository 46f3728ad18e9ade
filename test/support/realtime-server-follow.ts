/**
 * Database-driven changes for the fake Realtime server: real rows in a test schema become
 * postgres_changes and broadcast frames, pushed only to channels live at that moment, so a change
 * made while a client is away or not yet live is lost to it, as in production (§5.1).
 *
 * Why a poll loop and not LISTEN/NOTIFY or logical replication: the test database runs with
 * wal_level=replica (no logical decoding), NOTIFY would need a trigger of its own in the schema
 * under test, and Realtime itself polls its replication slot, so a poll models its loss window
 * faithfully. The cadence is its ReplicationPoller's (postgres_cdc_rls/replication_poller.ex): up
 * to `maxRows` rows a poll (`poll_max_changes`, 100), the next poll at once after one that found
 * rows (`send(self(), :poll)`: a backlog drains as fast as the database answers), and
 * `idleIntervalMs` after one that found nothing. The "WAL" read is the change_outbox that
 * migration 0003's trigger fills: every write of the tenant tables with old and new rows.
 *
 * Like the WAL, rows go out in commit order (a row is pushed at the first poll that sees it,
 * whatever its id), stamped with the commit time: no later than the poll that first saw the row
 * and after its transaction wrote it, never the transaction's start.
 */
import type { Pool } from 'pg';
import type { ChangeSpec, ColumnSpec, Row } from './realtime-server-changes';
import type { FakeRealtimeKnobs } from './realtime-server-knobs';

/** Read at every poll (getters), so the server's knobs can change under a running follower. */
export interface PollSettings {
  readonly idleIntervalMs: number;
  readonly maxRows: number;
}

type PollKnobs = Pick<FakeRealtimeKnobs, 'pollIdleIntervalMs' | 'pollMaxRows'>;

/** The poll knobs, live; a follower's own `intervalMs` overrides the idle interval. */
export function pollSettings(knobs: PollKnobs, opts: { intervalMs?: number }): PollSettings {
  return {
    get idleIntervalMs() {
      return opts.intervalMs ?? knobs.pollIdleIntervalMs;
    },
    get maxRows() {
      return knobs.pollMaxRows;
    },
  };
}

export interface Follower {
  /** Resolves once every row committed before the call has been pushed (or found no live channel). */
  settled(): Promise<void>;
  stop(): Promise<void>;
  /** How many rows each poll that found some read, in order: the poller's batches. */
  readonly batches: readonly number[];
}

interface TableShape {
  columns: ColumnSpec[];
  primaryKey: string[];
  /** `f` (FULL): old rows go out whole; otherwise only their primary key. */
  replicaIdentity: string;
}

abstract class Poller implements Follower {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private waiters: Array<{ upTo: number; resolve: () => void; reject: (e: unknown) => void }> = [];
  private lastError: unknown = null;
  readonly batches: number[] = [];

  constructor(
    protected readonly pool: Pool,
    protected readonly settings: PollSettings,
  ) {}

  start(): this {
    this.schedule(true);
    return this;
  }

  async settled(): Promise<void> {
    const upTo = await this.newestCommitted();
    await new Promise<void>((resolve, reject) => this.waiters.push({ upTo, resolve, reject }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    for (const w of this.waiters.splice(0)) w.reject(new Error('follower stopped'));
  }

  /** A number every processed row reaches: waiters resolve when progress() passes it. */
  protected abstract newestCommitted(): Promise<number>;
  protected abstract progress(): number;
  /** Pushes one batch; returns how many rows it read. */
  protected abstract poll(): Promise<number>;

  private schedule(idle = false): void {
    if (this.stopped) return;
    this.timer = setTimeout(
      () => {
        this.running = this.tick();
      },
      idle ? this.settings.idleIntervalMs : 0,
    );
  }

  private async tick(): Promise<void> {
    let read = 0;
    try {
      read = await this.poll();
      if (read > 0) this.batches.push(read);
      this.lastError = null;
    } catch (error) {
      // The schema may be dropped under a follower a test forgot to stop; keep the last error.
      this.lastError = error;
    }
    const done = this.progress();
    this.waiters = this.waiters.filter((w) => {
      if (w.upTo > done) return true;
      w.resolve();
      return false;
    });
    if (this.lastError && this.stopped) return;
    this.schedule(read === 0);
  }
}

/**
 * Which outbox ids were pushed. `floor`: every id up to it is pushed or was never committed; ids
 * above it that were pushed are in `seen`. A missing id (a transaction still open, or rolled
 * back) holds the floor for at most `gapMs`, like a slot that never sees a rolled-back write.
 */
class PushedIds {
  private readonly seen = new Set<number>();
  private gapSince: number | null = null;

  constructor(
    public floor: number,
    private readonly gapMs = 2_000,
  ) {}

  above(): number[] {
    return [...this.seen];
  }

  add(id: number): void {
    if (id > this.floor) this.seen.add(id);
  }

  advance(now = Date.now()): void {
    while (this.seen.delete(this.floor + 1)) this.floor += 1;
    if (this.seen.size === 0) return void (this.gapSince = null);
    this.gapSince ??= now;
    if (now - this.gapSince < this.gapMs) return;
    this.floor = Math.min(...this.seen) - 1;
    this.gapSince = null;
    this.advance(now);
  }
}

/** change_outbox → INSERTs on change_outbox, and the change itself on its source table. */
export class OutboxFollower extends Poller {
  private readonly pushed: PushedIds;
  private readonly shapes = new Map<string, TableShape>();

  constructor(
    pool: Pool,
    private readonly schema: string,
    private readonly emit: (change: ChangeSpec) => number,
    settings: PollSettings,
    startAfter: number,
  ) {
    super(pool, settings);
    this.pushed = new PushedIds(startAfter);
  }

  protected async newestCommitted(): Promise<number> {
    const { rows } = await this.pool.query<{ max: string }>(`select coalesce(max(id), 0)::text as max from "${this.schema}".change_outbox`);
    return Number(rows[0]?.max ?? 0);
  }

  protected progress(): number {
    return this.pushed.floor;
  }

  protected async poll(): Promise<number> {
    // clock_timestamp() in an init-plan runs after the statement's snapshot: every row it sees
    // committed before that instant.
    const { rows } = await this.pool.query<{ row: Row; seen_at: Date }>(
      `select to_jsonb(o.*) as row, (select clock_timestamp()) as seen_at from "${this.schema}".change_outbox o
       where o.id > $1 and o.id <> all($2::bigint[]) order by o.id limit $3`,
      [String(this.pushed.floor), this.pushed.above().map(String), this.settings.maxRows],
    );
    for (const { row, seen_at } of rows) {
      await this.push(row, seen_at);
      this.pushed.add(Number(row.id));
    }
    this.pushed.advance();
    return rows.length;
  }

  private async push(o: Row, commitTimestamp: Date): Promise<void> {
    const outbox = await this.shape(this.schema, 'change_outbox');
    this.emit({ schema: this.schema, table: 'change_outbox', type: 'INSERT', record: o, columns: outbox.columns, commitTimestamp });
    const schema = String(o.source_schema);
    const table = String(o.source_table);
    const type = String(o.operation) as ChangeSpec['type'];
    const shape = await this.shape(schema, table);
    const old = (o.old_record ?? undefined) as Row | undefined;
    // REPLICA IDENTITY DEFAULT sends only the key of the old row (§3.3).
    const oldRecord = old && shape.replicaIdentity !== 'f' ? Object.fromEntries(shape.primaryKey.map((k) => [k, old[k]])) : old;
    const record = (o.record ?? undefined) as Row | undefined;
    this.emit({ schema, table, type, ...(record ? { record } : {}), ...(oldRecord ? { oldRecord } : {}), columns: shape.columns, commitTimestamp });
  }

  private async shape(schema: string, table: string): Promise<TableShape> {
    const key = `${schema}.${table}`;
    const known = this.shapes.get(key);
    if (known) return known;
    const rel = `"${schema}"."${table}"`;
    const [columns, keys, ident] = await Promise.all([
      this.pool.query<ColumnSpec>(
        `select a.attname as name, t.typname as type from pg_attribute a join pg_type t on t.oid = a.atttypid
         where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`,
        [rel],
      ),
      this.pool.query<{ name: string }>(
        `select a.attname as name from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
         where i.indrelid = $1::regclass and i.indisprimary`,
        [rel],
      ),
      this.pool.query<{ ident: string }>(`select relreplident as ident from pg_class where oid = $1::regclass`, [rel]),
    ]);
    const shape = { columns: columns.rows, primaryKey: keys.rows.map((r) => r.name), replicaIdentity: ident.rows[0]?.ident ?? 'd' };
    this.shapes.set(key, shape);
    return shape;
  }
}

/**
 * A stand-in realtime.messages (same columns, in the test schema) → broadcast frames, as the
 * server's replication connection turns each insert into a user broadcast with meta {id}.
 */
export class BroadcastFollower extends Poller {
  private readonly pushed = new Set<string>();
  private watermark = '-infinity';
  private count = 0;

  constructor(
    pool: Pool,
    private readonly table: string,
    private readonly emit: (topic: string, event: string, payload: unknown, id: string) => number,
    settings: PollSettings,
  ) {
    super(pool, settings);
  }

  protected async newestCommitted(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(`select count(*)::int as n from ${this.table} where extension = 'broadcast'`);
    return rows[0]?.n ?? 0;
  }

  protected progress(): number {
    return this.count;
  }

  protected async poll(): Promise<number> {
    // inserted_at is the writing transaction's start: re-read a margin so a late commit is seen.
    const { rows } = await this.pool.query<{ id: string; topic: string; event: string; payload: unknown; at: string }>(
      `select id::text as id, topic, event, payload, inserted_at::text as at from ${this.table}
       where extension = 'broadcast' and inserted_at > $1::timestamp - interval '2 seconds' and id::text <> all($2::text[])
       order by inserted_at, id limit $3`,
      [this.watermark, [...this.pushed], this.settings.maxRows],
    );
    for (const m of rows) {
      if (this.pushed.has(m.id)) continue;
      this.pushed.add(m.id);
      this.count += 1;
      this.emit(m.topic, m.event, m.payload, m.id);
      if (m.at > this.watermark || this.watermark === '-infinity') this.watermark = m.at;
    }
    return rows.length;
  }
}
