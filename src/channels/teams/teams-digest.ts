import type { DigestSummary, NotificationContent } from '../messages';
import { digestBreakdown, digestEntryText, digestHeadline, digestMore } from '../render/digest-copy';
import { safeLink } from '../render/safe-link';
import { adaptiveCardMessage, escapeTeams } from './teams-card';

const fit = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** A digest in Teams: the headline, then one TextBlock per change (escaped: Teams reads Markdown), in one Adaptive Card. */
export function renderTeamsDigest(content: NotificationContent, digest: DigestSummary): unknown {
  const more = digestMore(digest);
  const body: unknown[] = [
    { type: 'TextBlock', text: escapeTeams(digestHeadline(digest)), weight: 'Bolder', size: 'Medium', wrap: true },
    { type: 'TextBlock', text: escapeTeams(fit(`${content.organization.name}: ${digestBreakdown(digest)}`, 1000)), isSubtle: true, wrap: true },
    ...digest.entries.map((entry) => ({ type: 'TextBlock', text: `• ${escapeTeams(fit(digestEntryText(entry), 1000))}`, wrap: true, spacing: 'Small' })),
    ...(more ? [{ type: 'TextBlock', text: escapeTeams(more), isSubtle: true, size: 'Small', wrap: true }] : []),
  ];
  const link = safeLink(content.link);
  return adaptiveCardMessage(body, link ? [{ type: 'Action.OpenUrl', title: 'Open in WedSync', url: link }] : []);
}
