/**
 * Postgres Changes model for the fake Realtime server: binding ids, binding matching and the
 * `data` object of a `postgres_changes` push.
 *
 * Protocol reference: /work/shared/reference/realtime-protocol.md §2.3, §2.5, §3.1.
 */
import { createHash } from 'node:crypto';

/** One `config.postgres_changes[i]` entry as the client sent it (unknown keys are kept). */
export type BindingParams = Record<string, unknown>;

/** A binding the server accepted: the client's params plus the id echoed in the join reply. */
export interface Binding {
  params: BindingParams;
  id: number;
}

export type ChangeType = 'INSERT' | 'UPDATE' | 'DELETE';
export type Row = Record<string, unknown>;

export interface ChangeSpec {
  /** Defaults to `public`. */
  schema?: string;
  table: string;
  type: ChangeType;
  /** New row; ignored for DELETE (the real server omits `record` there). */
  record?: Row;
  /** Old row (primary key only under REPLICA IDENTITY DEFAULT); ignored for INSERT. */
  oldRecord?: Row;
  /** `[{name, type}]`; inferred from the row values when omitted. */
  columns?: ColumnSpec[];
  /** Defaults to now. `null` reproduces the reduced "Error 400/401" shape. */
  commitTimestamp?: Date | string | null;
  /** `null` (the default) or e.g. `['Error 413: Payload Too Large']`. */
  errors?: string[] | null;
}

export interface ColumnSpec {
  name: string;
  type: string;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The real server uses `:erlang.phash2(params)`: deterministic per param map, so the id survives
 * rejoins. Any stable hash does; keep it a positive 31-bit integer like phash2's range.
 */
export function bindingId(params: BindingParams): number {
  const digest = createHash('sha1').update(canonicalJson(params)).digest();
  return digest.readUInt32BE(0) >>> 1;
}

function stringParam(params: BindingParams, key: string): string | undefined {
  const v = params[key];
  return typeof v === 'string' ? v : undefined;
}

/** Server defaults: only `table` implies schema `public`; only `schema` implies table `*`. */
function effectiveSchemaTable(params: BindingParams): { schema: string; table: string } {
  return { schema: stringParam(params, 'schema') ?? 'public', table: stringParam(params, 'table') ?? '*' };
}

export function bindingCoversTable(params: BindingParams, schema: string, table: string): boolean {
  const eff = effectiveSchemaTable(params);
  return (eff.schema === '*' || eff.schema === schema) && (eff.table === '*' || eff.table === table);
}

/** The server upper-cases `event` and treats anything unknown as `*`. */
function bindingCoversEvent(params: BindingParams, type: ChangeType): boolean {
  const event = (stringParam(params, 'event') ?? '*').toUpperCase();
  if (event !== 'INSERT' && event !== 'UPDATE' && event !== 'DELETE') return true;
  return event === type;
}

/**
 * Only `col=eq.value` is evaluated; every other operator (and anything unparsable) matches all
 * rows, which is enough for a test double. DELETE is evaluated against the old row, as the
 * current server does (§2.3 "DELETE filtering").
 */
function bindingCoversRow(params: BindingParams, change: ChangeSpec): boolean {
  const filter = stringParam(params, 'filter');
  if (!filter) return true;
  const m = /^([^=]+)=eq\.(.*)$/.exec(filter);
  if (!m) return true;
  const [, column = '', expected = ''] = m;
  const row = change.type === 'DELETE' ? change.oldRecord : change.record;
  const actual = row?.[column];
  if (actual === undefined || actual === null) return false;
  return (typeof actual === 'object' ? JSON.stringify(actual) : String(actual)) === expected;
}

export function bindingMatchesChange(params: BindingParams, change: ChangeSpec): boolean {
  return (
    bindingCoversTable(params, change.schema ?? 'public', change.table) &&
    bindingCoversEvent(params, change.type) &&
    bindingCoversRow(params, change)
  );
}

const TIMESTAMPTZ_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/;

/** Good-enough guesses of `pg_type.typname` from JSON values. */
export function guessColumnType(value: unknown): string {
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int8' : 'float8';
  if (typeof value === 'string') return TIMESTAMPTZ_RE.test(value) ? 'timestamptz' : 'text';
  if (value !== null && typeof value === 'object') return 'jsonb';
  return 'text';
}

export function inferColumns(...rows: Array<Row | undefined>): ColumnSpec[] {
  const columns = new Map<string, string>();
  for (const row of rows) {
    for (const [name, value] of Object.entries(row ?? {})) {
      // A null in the first row must not hide a better guess from a later row.
      if (!columns.has(name) || (columns.get(name) === 'text' && value !== null)) columns.set(name, guessColumnType(value));
    }
  }
  return [...columns].map(([name, type]) => ({ name, type }));
}

/** `realtime.apply_rls` formats commit_timestamp as `YYYY-MM-DDTHH:MI:SS.mmmZ`. */
export function formatCommitTimestamp(ts: Date | string | null | undefined): string | null {
  if (ts === null) return null;
  if (typeof ts === 'string') return ts;
  return (ts ?? new Date()).toISOString();
}

/**
 * The `data` object of a `postgres_changes` push, with the field set of the server's
 * NewRecord / UpdatedRecord / DeletedRecord structs: INSERT has no `old_record`, DELETE no `record`.
 */
export function buildChangeData(change: ChangeSpec): Record<string, unknown> {
  const record = change.type === 'DELETE' ? undefined : (change.record ?? {});
  const oldRecord = change.type === 'INSERT' ? undefined : (change.oldRecord ?? {});
  const data: Record<string, unknown> = {
    schema: change.schema ?? 'public',
    table: change.table,
    commit_timestamp: formatCommitTimestamp(change.commitTimestamp),
    type: change.type,
    columns: change.columns ?? inferColumns(record, oldRecord),
    errors: change.errors ?? null,
  };
  if (record !== undefined) data.record = record;
  if (oldRecord !== undefined) data.old_record = oldRecord;
  return data;
}
