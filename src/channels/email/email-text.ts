import type { NotificationContent } from '../messages';
import { extraFacts } from '../render/facts';
import { formatWeddingDate, PRIORITY_LABEL, urgencyMarker } from '../render/labels';
import { safeLink } from '../render/safe-link';
import { oneLine } from '../render/text';
import { emailIntro } from './email-copy';
import { renderDigestText } from './email-digest';

/** The plain-text part: the same content as the HTML, with no markup at all. */
export function renderEmailText(content: NotificationContent, ackUrl?: string): string {
  if (content.digest) return renderDigestText(content, content.digest);
  const marker = urgencyMarker(content.priority.level);
  const link = safeLink(content.link);
  const { wedding } = content;
  const facts = [
    ...(wedding ? [`Couple: ${oneLine(wedding.coupleName)}`, `Wedding date: ${formatWeddingDate(wedding.date)}`] : []),
    ...extraFacts(content).map((f) => `${oneLine(f.label)}: ${oneLine(f.value)}`),
  ];
  const reasons = content.priority.reasons.map(oneLine).join('; ');
  return [
    oneLine(content.organization.name),
    `${marker ? `[${marker}] ` : ''}${oneLine(content.title)}`,
    '',
    emailIntro(content),
    '',
    oneLine(content.summary),
    ...(facts.length ? ['', ...facts] : []),
    ...(ackUrl ? ['', `Acknowledge (tells the team you have seen it): ${ackUrl}`] : []),
    ...(link ? ['', `Open in WedSync: ${link}`] : []),
    '',
    `Priority: ${PRIORITY_LABEL[content.priority.level]}${reasons ? ` (${reasons})` : ''}`,
    '',
  ].join('\n');
}
