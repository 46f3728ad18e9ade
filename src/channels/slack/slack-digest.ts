import type { DigestSummary, NotificationContent } from '../messages';
import { digestBreakdown, digestEntryText, digestHeadline } from '../render/digest-copy';
import { clip, oneLine } from '../render/text';
import { escapeSlack, type SlackPayload } from './slack-blocks';

const slack = (text: string, max: number) => clip(oneLine(text), max, { escape: escapeSlack });
const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: false as const });
// Slack allows 50 blocks a message: header, breakdown, then one section per change, then "and N more".
const MAX_ENTRY_BLOCKS = 46;

/** A digest in Slack: its headline, then one plain-text section per change (customer text is never mrkdwn). */
export function renderSlackDigest(content: NotificationContent, digest: DigestSummary): SlackPayload {
  const entries = digest.entries.slice(0, MAX_ENTRY_BLOCKS);
  const unlisted = digest.total - entries.length;
  const more = unlisted > 0 ? `and ${unlisted} more ${unlisted === 1 ? 'change' : 'changes'}` : null;
  const blocks: SlackPayload['blocks'] = [
    { type: 'header', text: plain(slack(digestHeadline(digest), 150)) },
    { type: 'context', elements: [plain(slack(`${content.organization.name}: ${digestBreakdown(digest)}`, 2000))] },
    ...entries.map((entry) => ({ type: 'section' as const, text: plain(slack(`• ${digestEntryText(entry)}`, 3000)) })),
  ];
  if (more) blocks.push({ type: 'context', elements: [plain(more)] });
  return { text: slack(`${digestHeadline(digest)}: ${digestBreakdown(digest)}`, 3000), blocks, mrkdwn: false, unfurl_links: false, unfurl_media: false };
}
