/**
 * Postgres Changes model for the fake Realtime server: binding ids, binding matching and the
 * `data` object of a `postgres_changes` push.
 *
 * Protocol reference: /work/shared/reference/realtime-protocol.md §2.3, §2.5, §3.1.
 */
import { createHash } from 'node:crypto';
import { filterMatches, parseFilter } from './realtime-server-filters';

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
 * Every documented operator is evaluated in the column's type; an unparsable filter matches
 * nothing (its channel never goes live: see unparsableFilterError). DELETE is evaluated against
 * the old row, as the current server does (§2.3 "DELETE filtering").
 */
function bindingCoversRow(params: BindingParams, change: ChangeSpec): boolean {
  const filter = stringParam(params, 'filter');
  if (!filter) return true;
  const parsed = parseFilter(filter);
  if ('error' in parsed) return false;
  const row = change.type === 'DELETE' ? change.oldRecord : change.record;
  return filterMatches(parsed.filter, row, change.columns ?? inferColumns(change.record, change.oldRecord));
}

/** The system error the server sends instead of "Subscribed to PostgreSQL", if any filter is bad. */
export function unparsableFilterError(bindings: Binding[]): string | null {
  for (const { params } of bindings) {
    const filter = stringParam(params, 'filter');
    if (!filter) continue;
    const parsed = parseFilter(filter);
    if ('error' in parsed) return parsed.error;
  }
  return null;
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

export const TOO_LARGE_ERROR = 'Error 413: Payload Too Large';
/** Over max_record_bytes, `apply_rls` keeps only the fields whose value is at most this long. */
const TOO_LARGE_FIELD_BYTES = 64;

const valueBytes = (v: unknown): number => Buffer.byteLength(typeof v === 'string' ? v : JSON.stringify(v) ?? '');
const smallFields = (row: Row | undefined): Row | undefined =>
  row && Object.fromEntries(Object.entries(row).filter(([, v]) => valueBytes(v) <= TOO_LARGE_FIELD_BYTES));

/**
 * The `data` object of a `postgres_changes` push, with the field set of the server's
 * NewRecord / UpdatedRecord / DeletedRecord structs: INSERT has no `old_record`, DELETE no `record`.
 * A change whose rows exceed `maxRecordBytes` goes out in the 413 shape (§3.1).
 */
export function buildChangeData(change: ChangeSpec, maxRecordBytes = Infinity): Record<string, unknown> {
  let record = change.type === 'DELETE' ? undefined : (change.record ?? {});
  let oldRecord = change.type === 'INSERT' ? undefined : (change.oldRecord ?? {});
  const columns = change.columns ?? inferColumns(record, oldRecord);
  let errors = change.errors ?? null;
  if (Buffer.byteLength(JSON.stringify({ record, oldRecord })) > maxRecordBytes) {
    record = smallFields(record);
    oldRecord = smallFields(oldRecord);
    errors = [TOO_LARGE_ERROR];
  }
  const data: Record<string, unknown> = {
    schema: change.schema ?? 'public',
    table: change.table,
    commit_timestamp: formatCommitTimestamp(change.commitTimestamp),
    type: change.type,
    columns,
    errors,
  };
  if (record !== undefined) data.record = record;
  if (oldRecord !== undefined) data.old_record = oldRecord;
  return data;
}
