/**
 * `postgres_changes` filters as the real server reads and evaluates them (realtime-protocol.md
 * §2.3): `column=op.value` with the seven documented operators, the value cast to the column's
 * type before comparing (`realtime.check_equality_op`), and anything else refused — reported
 * asynchronously as a `postgres_changes` system error, never as a match-everything.
 */
import type { ColumnSpec, Row } from './realtime-server-changes';

export type FilterOperator = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte' | 'in';

export interface ParsedFilter {
  column: string;
  op: FilterOperator;
  /** One value, or the list of `in.(a,b,c)`. */
  values: string[];
}

const OPERATORS = new Set<string>(['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in']);
/** The docs allow at most 100 values in `in`. */
const MAX_IN_VALUES = 100;

/** `{ filter }` when it parses, `{ error }` with the server's message when it does not. */
export function parseFilter(filter: string): { filter: ParsedFilter } | { error: string } {
  const eq = filter.indexOf('=');
  const column = eq > 0 ? filter.slice(0, eq) : '';
  const rest = eq > 0 ? filter.slice(eq + 1) : '';
  const dot = rest.indexOf('.');
  const op = dot > 0 ? rest.slice(0, dot) : '';
  const raw = dot > 0 ? rest.slice(dot + 1) : '';
  const refuse = { error: `Error parsing \`filter\` params: ${JSON.stringify(filter.split(/[=.]/))}` };
  if (!column || !OPERATORS.has(op)) return refuse;
  if (op !== 'in') return { filter: { column, op: op as FilterOperator, values: [raw] } };
  const list = /^\((.*)\)$/.exec(raw);
  if (!list) return refuse;
  const values = (list[1] ?? '').split(',');
  if (values.length > MAX_IN_VALUES) return refuse;
  return { filter: { column, op: 'in', values } };
}

const NUMERIC = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'oid']);
const TEMPORAL = new Set(['timestamptz', 'timestamp', 'date']);

/** Compares a row value with a filter literal in the column's type; `null` when not comparable. */
function compare(actual: unknown, literal: string, type: string): number | null {
  if (NUMERIC.has(type)) {
    const a = Number(actual);
    const b = Number(literal);
    return Number.isFinite(a) && Number.isFinite(b) && literal.trim() !== '' ? Math.sign(a - b) : null;
  }
  if (TEMPORAL.has(type)) {
    const a = Date.parse(String(actual));
    const b = Date.parse(literal);
    return Number.isNaN(a) || Number.isNaN(b) ? null : Math.sign(a - b);
  }
  const text = typeof actual === 'object' ? JSON.stringify(actual) : String(actual);
  return text === literal ? 0 : text < literal ? -1 : 1;
}

/** SQL semantics: a NULL (or missing) column matches no operator, `neq` included. */
export function filterMatches(filter: ParsedFilter, row: Row | undefined, columns: ColumnSpec[]): boolean {
  const actual = row?.[filter.column];
  if (actual === undefined || actual === null) return false;
  const type = columns.find((c) => c.name === filter.column)?.type ?? 'text';
  const order = (literal: string) => compare(actual, literal, type);
  switch (filter.op) {
    case 'in':
      return filter.values.some((v) => order(v) === 0);
    case 'eq':
      return order(filter.values[0] ?? '') === 0;
    case 'neq': {
      const c = order(filter.values[0] ?? '');
      return c !== null && c !== 0;
    }
    case 'lt':
      return (order(filter.values[0] ?? '') ?? 0) < 0;
    case 'lte': {
      const c = order(filter.values[0] ?? '');
      return c !== null && c <= 0;
    }
    case 'gt':
      return (order(filter.values[0] ?? '') ?? 0) > 0;
    case 'gte': {
      const c = order(filter.values[0] ?? '');
      return c !== null && c >= 0;
    }
  }
}
