import { describe, expect, it } from '@jest/globals';
import { emailSubject } from '../../../src/channels/email/email-copy';
import { renderEmailHtml } from '../../../src/channels/email/email-html';
import { renderEmailText } from '../../../src/channels/email/email-text';
import { notificationKinds } from '../../../src/vocabulary';
import { sampleContent } from '../../support/notification-content';

describe('email rendering', () => {
  it('gives every notification kind its own subject', () => {
    const subjects = notificationKinds.map((kind) => emailSubject(sampleContent({ kind, title: `Title of ${kind}`, priority: { level: 'normal', score: 40, reasons: [] } })));
    expect(new Set(subjects).size).toBe(notificationKinds.length);
    expect(subjects.every((s) => !s.startsWith('['))).toBe(true);
  });

  it('shows the title, summary, facts, priority badge with reasons, and the link button', () => {
    const html = renderEmailHtml(sampleContent());
    expect(html).toContain('<h1 style="margin:12px 0;font-size:22px;line-height:1.3">Wedding date changed</h1>');
    expect(html).toContain('The wedding of Ana &amp; Ben moved from 2026-06-20 to 2026-06-27.');
    expect(html).toMatch(/<th[^>]*>New date<\/th><td[^>]*>2026-06-27<\/td>/);
    expect(html).toContain('High priority</span>');
    expect(html).toContain('Why this priority: wedding.date_changed is high · date change touches 2026-06-20, within 30 days');
    expect(html).toContain('<a href="https://app.wedsync.example/weddings/7d0c7d5e-0000-4000-8000-000000000001"');
  });

  it('lists the couple and the wedding date once, before the other facts', () => {
    const html = renderEmailHtml(sampleContent());
    expect(html.match(/>Couple<\/th>/g)).toHaveLength(1);
    expect(html).toMatch(/>Couple<\/th><td[^>]*>Ana &amp; Ben<\/td><\/tr>\n<tr><th[^>]*>Wedding date<\/th><td[^>]*>Saturday, 27 June 2026<\/td>/);
    expect(renderEmailText(sampleContent())).toContain('Couple: Ana & Ben\nWedding date: Saturday, 27 June 2026\nNew date: 2026-06-27\nPrevious date: 2026-06-20\n');
  });

  it('writes the same content as plain text, without markup', () => {
    const text = renderEmailText(sampleContent());
    expect(text).not.toMatch(/[<>]/);
    expect(text).toContain('[Important] Wedding date changed');
    expect(text).toContain('New date: 2026-06-27');
    expect(text).toContain('Priority: High (wedding.date_changed is high; date change touches 2026-06-20, within 30 days)');
  });

  it('leaves out a link that is not http(s) and one that carries credentials', () => {
    for (const link of ['javascript:alert(1)', 'data:text/html,x', 'https://user:pw@app.example/x']) {
      expect(renderEmailHtml(sampleContent({ link }))).not.toContain('<a href');
      expect(renderEmailText(sampleContent({ link }))).not.toContain('Open in WedSync');
    }
  });

  it('keeps hostile line breaks out of the subject', () => {
    expect(emailSubject(sampleContent({ kind: 'change.generic', title: 'Hi\r\nBcc: victim@example.com' }))).toBe('[Important] Hi Bcc: victim@example.com');
  });
});
