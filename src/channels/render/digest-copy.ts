import type { DigestEntry, DigestSummary } from '../messages';
import type { NotificationKind } from '../../vocabulary';
import { formatWeddingDate } from './labels';
import { oneLine } from './text';

const NOUN: Readonly<Record<NotificationKind, readonly [string, string]>> = {
  'wedding.date_changed': ['date change', 'date changes'],
  'wedding.updated': ['wedding update', 'wedding updates'],
  'wedding.emergency': ['emergency', 'emergencies'],
  'form.response_received': ['form response', 'form responses'],
  'journey.milestone_reached': ['milestone', 'milestones'],
  'payment.received': ['payment', 'payments'],
  'payment.failed': ['failed payment', 'failed payments'],
  'timeline.updated': ['timeline change', 'timeline changes'],
  'client.profile_updated': ['client update', 'client updates'],
  'change.generic': ['other change', 'other changes'],
};

const plural = (n: number, [one, many]: readonly [string, string]) => `${n} ${n === 1 ? one : many}`;

/** "5 updates while you were away" or "5 updates held back by your hourly limit". */
export function digestHeadline(digest: DigestSummary): string {
  const what = plural(digest.total, ['update', 'updates']);
  return digest.heldBy === 'quiet_hours' ? `${what} while you were away` : `${what} held back by your hourly limit`;
}

/** "3 form responses, 2 timeline changes": what the listed entries are, most frequent first. */
export function digestBreakdown(digest: DigestSummary): string {
  const counts = new Map<NotificationKind, number>();
  for (const entry of digest.entries) counts.set(entry.kind, (counts.get(entry.kind) ?? 0) + 1);
  const parts = [...counts].sort((a, b) => b[1] - a[1]).map(([kind, n]) => plural(n, NOUN[kind]));
  const unlisted = digest.total - digest.entries.length;
  if (unlisted > 0) parts.push(`${unlisted} more`);
  return parts.join(', ');
}

/** One listed change in plain text: "Timeline updated (Ana & Ben, Sat, 20 Jun 2026): the summary". */
export function digestEntryText(entry: DigestEntry): string {
  const about = [entry.coupleName ? oneLine(entry.coupleName) : '', entry.weddingDate ? formatWeddingDate(entry.weddingDate, 'short') : ''].filter(Boolean).join(', ');
  const summary = oneLine(entry.summary);
  return `${oneLine(entry.title)}${about ? ` (${about})` : ''}${summary ? `: ${summary}` : ''}`;
}

/** "and 12 more": the changes gathered beyond those listed; null when every one is listed. */
export function digestMore(digest: DigestSummary): string | null {
  const unlisted = digest.total - digest.entries.length;
  return unlisted > 0 ? `and ${plural(unlisted, ['more change', 'more changes'])}` : null;
}
