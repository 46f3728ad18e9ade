import escapeHtml from 'escape-html';

/**
 * Text and attribute escaping for the status page. Every value that reaches the page goes through
 * `esc` (names, reasons, ids, numbers alike): reasons come from remote servers and can contain
 * anything. escape-html escapes & < > " ', so the result is safe in text and in quoted attributes.
 */
export function esc(value: unknown): string {
  return escapeHtml(value === null || value === undefined ? '' : String(value));
}

/** A duration a person reads at a glance: 850 ms, 12 s, 3 min 5 s, 2 h 4 min, 3 d 2 h. */
export function formatAge(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const value = Math.max(0, ms);
  if (value < 1_000) return `${Math.round(value)} ms`;
  const s = Math.floor(value / 1_000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return s % 60 ? `${min} min ${s % 60} s` : `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/**
 * A `<time>` element: UTC text rendered here (the server does not know the reader's zone); the
 * page's script rewrites the text to the browser's local time, keeping `datetime` as it was.
 */
export function timeTag(iso: string | null | undefined): string {
  if (!iso) return '<span class="muted">—</span>';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return esc(iso);
  const text = `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  return `<time datetime="${esc(date.toISOString())}" data-local>${esc(text)}</time>`;
}

/** Milliseconds between an ISO instant and `now`, or null when either is not a date. */
export function ageBetween(iso: string | null | undefined, nowIso: string): number | null {
  if (!iso) return null;
  const then = Date.parse(iso);
  const now = Date.parse(nowIso);
  return Number.isNaN(then) || Number.isNaN(now) ? null : now - then;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
