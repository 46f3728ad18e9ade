import type { DigestSummary, NotificationContent } from '../messages';
import { digestBreakdown, digestHeadline } from '../render/digest-copy';
import { safeLink } from '../render/safe-link';
import { oneLine } from '../render/text';
import { fitSegments, type SmsBody } from './sms-body';

/**
 * A digest by SMS is one short line, never the list: "Studio: 5 updates while you were away (3
 * form responses, 2 timeline changes)", then the link when the changes are about one wedding.
 */
export function renderSmsDigest(content: NotificationContent, digest: DigestSummary, maxSegments: number): SmsBody {
  const org = oneLine(content.organization.name);
  const line = `${org ? `${org}: ` : ''}${digestHeadline(digest)} (${digestBreakdown(digest)})`;
  const link = safeLink(content.link);
  return fitSegments(line, link ? `\n${link}` : '', maxSegments);
}
