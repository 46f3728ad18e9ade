/**
 * Database-driven changes for the fake Realtime server: real rows in a test schema become
 * postgres_changes and broadcast frames, pushed only to channels live at that moment, so a change
 * made while a client is away or not yet live is lost to it, as in production (§5.1).
 *
 * Why a poll loop and not LISTEN/NOTIFY or logical replication: the test database runs with
 * wal_level=replica (no logical decoding), NOTIFY would need a trigger of its own in the schema
 * under test, and Realtime itself polls its replication slot (every 100 ms), so a poll models
 * its loss window faithfully. The "WAL" read is the change_outbox that migration 0003's trigger
 * fills: it holds every write of the tenant tables with old and new rows, in id order.
 */
import type { Pool } from 'pg';
import { GapCursor } from '../../src/intake/gap-cursor';
import type { ChangeSpec, ColumnSpec, Row } from './realtime-server-changes';

export interface Follower {
  /** Resolves once every row committed before the call has been pushed (or found no live channel). */
  settled(): Promise<void>;
  stop(): Promise<void>;
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

  constructor(
    protected readonly pool: Pool,
    private readonly intervalMs: number,
  ) {}

  start(): this {
    this.schedule();
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
  protected abstract poll(): Promise<void>;

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick();
    }, this.intervalMs);
  }

  private async tick(): Promise<void> {
    try {
      await this.poll();
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
    this.schedule();
  }
}

/** change_outbox → INSERTs on change_outbox, and the change itself on its source table. */
export class OutboxFollower extends Poller {
  private readonly cursor: GapCursor;
  private readonly shapes = new Map<string, TableShape>();

  constructor(
    pool: Pool,
    private readonly schema: string,
    private readonly emit: (change: ChangeSpec) => number,
    opts: { intervalMs?: number; startAfter?: number } = {},
  ) {
    super(pool, opts.intervalMs ?? 10);
    this.cursor = new GapCursor({ after: opts.startAfter ?? 0, seen: [] }, 2_000);
  }

  protected async newestCommitted(): Promise<number> {
    const { rows } = await this.pool.query<{ max: string }>(`select coalesce(max(id), 0)::text as max from "${this.schema}".change_outbox`);
    return Number(rows[0]?.max ?? 0);
  }

  protected progress(): number {
    return this.cursor.readAfter;
  }

  protected async poll(): Promise<void> {
    const { rows } = await this.pool.query<{ row: Row }>(
      `select to_jsonb(o.*) as row from "${this.schema}".change_outbox o where o.id > $1 order by o.id limit 1000`,
      [String(this.cursor.readAfter)],
    );
    for (const { row } of rows) {
      const id = Number(row.id);
      if (this.cursor.handled(id)) continue;
      await this.push(row);
      this.cursor.note(id);
    }
  }

  private async push(o: Row): Promise<void> {
    const commitTimestamp = new Date(String(o.changed_at));
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
    opts: { intervalMs?: number } = {},
  ) {
    super(pool, opts.intervalMs ?? 10);
  }

  protected async newestCommitted(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(`select count(*)::int as n from ${this.table} where extension = 'broadcast'`);
    return rows[0]?.n ?? 0;
  }

  protected progress(): number {
    return this.count;
  }

  protected async poll(): Promise<void> {
    // inserted_at is the writing transaction's start: re-read a margin so a late commit is seen.
    const { rows } = await this.pool.query<{ id: string; topic: string; event: string; payload: unknown; at: string }>(
      `select id::text as id, topic, event, payload, inserted_at::text as at from ${this.table}
       where extension = 'broadcast' and inserted_at > $1::timestamp - interval '2 seconds' order by inserted_at, id`,
      [this.watermark],
    );
    for (const m of rows) {
      if (this.pushed.has(m.id)) continue;
      this.pushed.add(m.id);
      this.count += 1;
      this.emit(m.topic, m.event, m.payload, m.id);
      if (m.at > this.watermark || this.watermark === '-infinity') this.watermark = m.at;
    }
  }
}
