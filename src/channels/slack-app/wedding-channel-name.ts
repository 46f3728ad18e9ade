/** Slack channel names: lower-case letters, digits, hyphens and underscores, at most 80 characters. */
const MAX_NAME = 80;

/**
 * `wedding-<date>-<first 8 of the id>`, e.g. `wedding-2026-06-27-7d0c7d5e`. Deliberately no
 * couple name: channel names are visible to the whole workspace and outlive the wedding. The
 * id part keeps two weddings on one day apart; `prefix` lets an organization name its own.
 */
export function weddingChannelName(wedding: { readonly id: string; readonly date: string }, prefix = 'wedding'): string {
  const clean = (s: string) => s.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  const shortId = clean(wedding.id).replace(/-/g, '').slice(0, 8);
  const date = /^\d{4}-\d{2}-\d{2}$/.test(wedding.date) ? wedding.date : 'undated';
  const head = clean(prefix) || 'wedding';
  return `${head.slice(0, MAX_NAME - date.length - shortId.length - 2)}-${date}-${shortId}`;
}
