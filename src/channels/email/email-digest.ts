import escapeHtml from 'escape-html';
import type { DigestSummary, NotificationContent } from '../messages';
import { digestBreakdown, digestEntryText, digestHeadline, digestMore } from '../render/digest-copy';
import { safeLink } from '../render/safe-link';
import { clip, oneLine } from '../render/text';

const h = (text: string): string => escapeHtml(oneLine(text));

export function digestSubject(content: NotificationContent, digest: DigestSummary): string {
  return clip(`${oneLine(content.organization.name) || 'WedSync'}: ${digestHeadline(digest)}`, 200);
}

/** The plain-text part: one line per change, each with its own link. */
export function renderDigestText(content: NotificationContent, digest: DigestSummary): string {
  const more = digestMore(digest);
  const lines = digest.entries.flatMap((entry) => {
    const link = safeLink(entry.link);
    return [`- ${digestEntryText(entry)}`, ...(link ? [`  ${link}`] : [])];
  });
  return [oneLine(content.organization.name), digestHeadline(digest), '', digestBreakdown(digest), '', ...lines, ...(more ? ['', more] : []), ''].join('\n');
}

/** The same list as a table of rows, in the layout of every other email (inline styles for mail clients). */
export function renderDigestHtml(content: NotificationContent, digest: DigestSummary): string {
  const more = digestMore(digest);
  const rows = digest.entries
    .map((entry) => {
      const link = safeLink(entry.link);
      const text = h(digestEntryText(entry));
      return `<li style="margin:0 0 8px;font-size:15px;line-height:1.5">${link ? `<a href="${escapeHtml(link)}" style="color:#1d2939">${text}</a>` : text}</li>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(digestSubject(content, digest))}</title></head>
<body style="margin:0;padding:0;background:#f6f5f2;font-family:Helvetica,Arial,sans-serif;color:#1d2939">
<div style="display:none;max-height:0;overflow:hidden">${h(digestBreakdown(digest))}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="max-width:600px;background:#ffffff;border-radius:8px">
<tr><td style="padding:24px">
<p style="margin:0 0 8px;font-size:13px;color:#667085">${h(content.organization.name)}</p>
<h1 style="margin:12px 0;font-size:22px;line-height:1.3">${h(digestHeadline(digest))}</h1>
<p style="margin:0 0 16px;font-size:15px;line-height:1.5">${h(digestBreakdown(digest))}</p>
<ul style="margin:0 0 16px;padding-left:20px">
${rows}
</ul>
${more ? `<p style="margin:0;font-size:14px;color:#667085">${h(more)}</p>` : ''}
</td></tr></table>
<p style="margin:16px 0 0;font-size:12px;color:#98a2b3">Sent by WedSync: ordinary updates held back by your quiet hours or hourly limit, gathered in one message.</p>
</td></tr></table>
</body></html>
`;
}
