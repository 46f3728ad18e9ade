import type { Row } from './change-event';

/**
 * A subscription's Realtime filter (`column=op.value`, the documented operators) applied to a
 * row here. Realtime applies it server side to what it pushes; rows read back by catch-up, and
 * changes that share one outbox or broadcast channel, must be narrowed the same way, or a worker
 * filtered to one organization would hear about another's.
 */
export function rowMatchesFilter(filter: string | undefined, row: Row | null): boolean {
  if (!filter) return true;
  const m = /^([a-z_][a-z0-9_]*)=(eq|neq|lt|lte|gt|gte|in)\.(.*)$/.exec(filter);
  if (!m) return false;
  const [, column = '', op = '', expected = ''] = m;
  const actual = row?.[column];
  // SQL comparisons with NULL are never true, and Realtime evaluates them in SQL.
  if (actual === null || actual === undefined) return false;
  const text = typeof actual === 'object' ? JSON.stringify(actual) : String(actual);
  if (op === 'in') return listOf(expected).includes(text);
  if (op === 'eq') return text === expected;
  if (op === 'neq') return text !== expected;
  const order = compare(actual, text, expected);
  return op === 'lt' ? order < 0 : op === 'lte' ? order <= 0 : op === 'gt' ? order > 0 : order >= 0;
}

function listOf(expected: string): string[] {
  const inner = expected.startsWith('(') && expected.endsWith(')') ? expected.slice(1, -1) : expected;
  return inner.split(',').map((v) => v.trim().replace(/^"(.*)"$/, '$1'));
}

function compare(actual: unknown, text: string, expected: string): number {
  const a = typeof actual === 'number' ? actual : Number.NaN;
  const b = Number(expected);
  if (!Number.isNaN(a) && !Number.isNaN(b)) return a - b;
  return text < expected ? -1 : text > expected ? 1 : 0;
}
