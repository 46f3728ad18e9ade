import { describe, expect, it } from '@jest/globals';
import { formatRecipient } from '../../../src/channels/email/email-address';
import { emailSubject } from '../../../src/channels/email/email-copy';
import { renderEmailHtml } from '../../../src/channels/email/email-html';
import { renderEmailText } from '../../../src/channels/email/email-text';
import { PermanentDeliveryError } from '../../../src/channels/errors';
import { oneLine } from '../../../src/channels/render/text';
import { renderSlackMessage } from '../../../src/channels/slack/slack-blocks';
import { renderSmsBody } from '../../../src/channels/sms/sms-body';
import { escapeTeams, renderTeamsMessage } from '../../../src/channels/teams/teams-card';
import { sampleContent } from '../../support/notification-content';

// Written as escapes so that this file shows what it tests.
const ZWSP = '\u200B';
const ZWNJ = '\u200C';
const ZWJ = '\u200D';
const LRM = '\u200E';
const RLM = '\u200F';
const RLO = '\u202E';
const PDF = '\u202C';
const LRI = '\u2066';
const PDI = '\u2069';
const WORD_JOINER = '\u2060';
const BOM = '\uFEFF';
const SOFT_HYPHEN = '\u00AD';
const HANGUL_FILLER = '\u3164';
const ALM = '\u061C';
const TAG_A = '\u{E0041}';
// Every character that draws nothing but changes what is shown, or what matches.
const INVISIBLE = /[\u00AD\u061C\u115F\u1160\u180E\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFEFF\uFFA0\u{E0000}-\u{E0FFF}]/u;

describe('customer text: nothing invisible, nothing that becomes formatting', () => {
  it.each([
    ['a zero-width space', `Ana${ZWSP} & Ben`, 'Ana & Ben'],
    ['a word joiner and a BOM', `${BOM}Ana${WORD_JOINER}Ben`, 'AnaBen'],
    ['a right-to-left override (the "gnp.exe" trick)', `invoice${RLO}gnp.exe${PDF}`, 'invoicegnp.exe'],
    ['bidi isolates', `${LRI}Ana${PDI} & Ben`, 'Ana & Ben'],
    ['bidi marks', `${RLM}Ana${LRM} ${ALM}Ben`, 'Ana Ben'],
    ['a soft hyphen and a Hangul filler', `Pay${SOFT_HYPHEN}pal${HANGUL_FILLER}`, 'Paypal'],
    ['ZWNJ between ASCII letters', `pay${ZWNJ}pal`, 'paypal'],
    ['ZWJ outside an emoji', `pay${ZWJ}pal`, 'paypal'],
    ['tag characters outside an emoji', `Ana${TAG_A}${TAG_A}`, 'Ana'],
    ['NUL, ESC, DEL and NEL', 'A\u0000B\u001BC\u007FD\u0085E', 'A B C D E'],
    ['line and paragraph separators', 'A\u2028B\u2029C', 'A B C'],
  ])('oneLine drops %s', (_what, input, expected) => {
    expect(oneLine(input)).toBe(expected);
  });

  it.each([
    ['a family emoji (ZWJ sequence)', `👩${ZWJ}👩${ZWJ}👧 family`],
    ['a red heart (variation selector 16)', '❤\uFE0F'],
    ['the flag of England (tag sequence)', '🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}'],
    ['a Persian word that needs ZWNJ', `می${ZWNJ}خواهم`],
    ['accents and other scripts', 'Zoë & José · 王芳 · Ольга'],
  ])('oneLine keeps %s', (_what, input) => {
    expect(oneLine(input)).toBe(input);
  });

  describe('email address', () => {
    it.each([
      ['NUL', 'ana\u0000@example.com'],
      ['ESC', 'ana\u001B@example.com'],
      ['DEL', 'ana\u007F@example.com'],
      ['NEL (U+0085)', 'ana\u0085@example.com'],
      ['a zero-width space', `ana${ZWSP}@example.com`],
      ['a right-to-left override', `ana${RLO}@example.com`],
      ['a BOM inside', `an${BOM}a@example.com`],
      ['a line separator', 'ana\u2028@example.com'],
      ['a Hangul filler', `ana${HANGUL_FILLER}@example.com`],
      ['a lone surrogate', 'ana\uD800@example.com'],
      ['a second recipient', 'ana@example.com, eve@evil.example'],
    ])('refuses one with %s, before any request', (_what, address) => {
      expect(() => formatRecipient(address, 'Ana')).toThrow(PermanentDeliveryError);
    });

    it.each([
      ['ana@example.com', 'Ana Lima', '"Ana Lima" <ana@example.com>'],
      ['  zoë@exämple.com ', 'Zoë', '"Zoë" <zoë@exämple.com>'],
      ['ana@example.com', `${RLO}moc.live@eve${PDF} Ana${ZWSP}`, '"moc.live eve Ana" <ana@example.com>'],
      ['ana@example.com', `${LRI}${ZWSP}${PDI}`, 'ana@example.com'],
    ])('formats %j named %j as %j', (address, name, expected) => {
      expect(formatRecipient(address, name)).toBe(expected);
    });
  });

  describe('Slack: every text object is plain_text, escaped as Slack asks', () => {
    const hostile = ['*bold*', '_italic_', '~strike~', '`code`', '<!channel>', '<!here>', '<@U123>', '<#C123>', '<http://evil.example|click>', 'AT&T', 'https://evil.example/login', '#general', ':skull:'];
    const content = sampleContent({
      title: hostile.join(' '),
      summary: hostile.join(' '),
      facts: [{ label: '*Label*', value: hostile.join(' ') }],
      wedding: { id: 'w1', coupleName: hostile.join(' '), date: '2026-06-27', timeZone: 'UTC' },
      priority: { level: 'high', score: 65, reasons: hostile },
    });
    const payload = renderSlackMessage(content);
    const textObjects = JSON.stringify(payload.blocks).match(/\{"type":"(plain_text|mrkdwn)"[^}]*\}/g) ?? [];

    it('has no mrkdwn, no emoji shortcodes, no link previews, and a fallback that is not mrkdwn', () => {
      expect(textObjects.length).toBeGreaterThan(5);
      expect(textObjects.filter((t) => t.includes('"mrkdwn"'))).toEqual([]);
      for (const block of payload.blocks) {
        const texts = 'text' in block && block.text ? [block.text] : 'fields' in block ? (block.fields ?? []) : 'elements' in block ? block.elements : [];
        for (const text of texts) expect(text).toMatchObject({ type: 'plain_text', emoji: false });
      }
      expect(payload).toMatchObject({ mrkdwn: false, unfurl_links: false, unfurl_media: false });
    });

    it.each([
      ['<!channel>', '&lt;!channel&gt;'],
      ['<@U123>', '&lt;@U123&gt;'],
      ['<http://evil.example|click>', '&lt;http://evil.example|click&gt;'],
      ['AT&T', 'AT&amp;T'],
      ['*bold*', '*bold*'],
    ])('shows %s as the literal %s', (input, shown) => {
      const all = [payload.text, ...textObjects].join('\n');
      expect(all).toContain(shown);
      if (input !== shown) expect(all).not.toContain(input);
    });
  });

  describe('Teams: Markdown in customer text stays literal', () => {
    it.each([
      ['*bold* and **strong**', '\\*bold\\* and \\*\\*strong\\*\\*'],
      ['_italic_', '\\_italic\\_'],
      ['[click](http://evil.example)', '\\[click\\]\\(http\\://evil.example\\)'],
      ['![pixel](http://evil.example/p.png)', '\\!\\[pixel\\]\\(http\\://evil.example/p.png\\)'],
      ['<http://evil.example>', '\\<http\\://evil.example\\>'],
      ['see https://evil.example/login', 'see https\\://evil.example/login'],
      ['see www.evil.example', 'see www\\.evil.example'],
      ['- not a list', '\\- not a list'],
      ['+ not a list', '\\+ not a list'],
      ['1. not a list', '1\\. not a list'],
      ['# not a heading', '\\# not a heading'],
      ['> not a quote', '\\> not a quote'],
      ['`code`', '\\`code\\`'],
      ['Ana - Ben, 2026-06-27, 10.30, Mr. Lowww.', 'Ana - Ben, 2026-06-27, 10.30, Mr. Lowww.'],
    ])('%s → %s', (input, expected) => {
      expect(escapeTeams(input)).toBe(expected);
    });

    it('cuts an escaped value at its limit without leaving a lone backslash', () => {
      const card = renderTeamsMessage(sampleContent({ summary: '*'.repeat(3_000) })) as { attachments: [{ content: { body: { text?: string }[] } }] };
      const summary = card.attachments[0].content.body[1]!.text!;
      expect(summary.length).toBeLessThanOrEqual(2000);
      expect(summary).toMatch(/^(\\\*)+…$/);
    });
  });

  it('every channel renders a name full of invisible characters without them', () => {
    const sly = `${RLO}Ana${ZWSP} & ${LRI}Ben${PDI}${BOM}${SOFT_HYPHEN}`;
    const content = sampleContent({
      title: `Date changed ${RLM}${sly}`,
      summary: `Moved ${WORD_JOINER}${sly}`,
      facts: [{ label: `Venue${ZWJ}`, value: sly }],
      organization: { id: 'o1', name: sly },
      wedding: { id: 'w1', coupleName: sly, date: '2026-06-27', timeZone: 'UTC' },
      priority: { level: 'high', score: 65, reasons: [sly] },
    });
    const rendered = {
      slack: JSON.stringify(renderSlackMessage(content)),
      teams: JSON.stringify(renderTeamsMessage(content)),
      emailSubject: emailSubject(content),
      emailHtml: renderEmailHtml(content),
      emailText: renderEmailText(content),
      emailTo: formatRecipient('ana@example.com', sly),
      sms: renderSmsBody(content, 4).text,
    };
    for (const [channel, text] of Object.entries(rendered)) {
      expect({ channel, invisible: INVISIBLE.exec(text)?.[0] }).toEqual({ channel, invisible: undefined });
      expect({ channel, shown: text.includes('Ana') && text.includes('Ben') }).toEqual({ channel, shown: true });
    }
  });
});
