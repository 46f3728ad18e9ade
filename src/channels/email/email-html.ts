import escapeHtml from 'escape-html';
import type { NotificationContent } from '../messages';
import { extraFacts } from '../render/facts';
import { formatWeddingDate, PRIORITY_LABEL, type PriorityLevel } from '../render/labels';
import { safeLink } from '../render/safe-link';
import { oneLine } from '../render/text';
import { emailIntro, emailSubject } from './email-copy';
import { renderDigestHtml } from './email-digest';

const BADGE_COLOUR: Readonly<Record<PriorityLevel, string>> = {
  critical: '#b42318',
  high: '#b54708',
  normal: '#475467',
  low: '#667085',
};

// Every interpolated value goes through `h`: names, answers and titles are typed by customers.
const h = (text: string): string => escapeHtml(oneLine(text));

/** The shared layout: inline styles and tables, because mail clients drop <style> and flexbox. */
export function renderEmailHtml(content: NotificationContent, ackUrl?: string): string {
  if (content.digest) return renderDigestHtml(content, content.digest);
  const link = safeLink(content.link);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(emailSubject(content))}</title></head>
<body style="margin:0;padding:0;background:#f6f5f2;font-family:Helvetica,Arial,sans-serif;color:#1d2939">
<div style="display:none;max-height:0;overflow:hidden">${h(content.summary)}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="max-width:600px;background:#ffffff;border-radius:8px">
<tr><td style="padding:24px">
<p style="margin:0 0 8px;font-size:13px;color:#667085">${h(content.organization.name)}</p>
${badge(content.priority.level)}
<h1 style="margin:12px 0;font-size:22px;line-height:1.3">${h(content.title)}</h1>
<p style="margin:0 0 12px;font-size:15px;line-height:1.5">${h(emailIntro(content))}</p>
<p style="margin:0 0 16px;font-size:15px;line-height:1.5">${h(content.summary)}</p>
${factsTable(content)}
${ackUrl ? button(ackUrl, 'Acknowledge') : ''}${link ? button(link) : ''}
${reasons(content.priority.reasons)}
</td></tr></table>
<p style="margin:16px 0 0;font-size:12px;color:#98a2b3">Sent by WedSync about an update in your workspace.</p>
</td></tr></table>
</body></html>
`;
}

function badge(level: PriorityLevel): string {
  return `<span style="display:inline-block;padding:2px 10px;border-radius:10px;background:${BADGE_COLOUR[level]};color:#ffffff;font-size:12px;font-weight:bold">${PRIORITY_LABEL[level]} priority</span>`;
}

function factsTable(content: NotificationContent): string {
  const { wedding } = content;
  const rows = [
    ...(wedding ? [{ label: 'Couple', value: wedding.coupleName }, { label: 'Wedding date', value: formatWeddingDate(wedding.date) }] : []),
    ...extraFacts(content),
  ];
  if (rows.length === 0) return '';
  const cells = rows
    .map(
      (f) =>
        `<tr><th align="left" style="padding:6px 12px 6px 0;font-size:14px;color:#667085;font-weight:normal;vertical-align:top">${h(f.label)}</th>` +
        `<td style="padding:6px 0;font-size:14px">${h(f.value)}</td></tr>`,
    )
    .join('\n');
  return `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:0 0 16px;border-collapse:collapse">\n${cells}\n</table>`;
}

function button(link: string, label = 'Open in WedSync'): string {
  return `<p style="margin:0 0 16px"><a href="${escapeHtml(link)}" style="display:inline-block;padding:10px 18px;border-radius:6px;background:#1d2939;color:#ffffff;text-decoration:none;font-weight:bold">${escapeHtml(label)}</a></p>`;
}

function reasons(list: readonly string[]): string {
  if (list.length === 0) return '';
  return `<p style="margin:0;font-size:12px;color:#667085">Why this priority: ${list.map(h).join(' · ')}</p>`;
}
