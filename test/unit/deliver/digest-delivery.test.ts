import { describe, expect, it } from '@jest/globals';
import type { NotificationContent } from '../../../src/channels/messages';
import { buildDigest, digestKey } from '../../../src/deliver/digest/digest-delivery';
import { toStored, type StoredDelivery } from '../../../src/deliver/stored-delivery';
import { renderEmailHtml } from '../../../src/channels/email/email-html';
import { renderEmailText } from '../../../src/channels/email/email-text';
import { emailSubject } from '../../../src/channels/email/email-copy';
import { renderSmsDigest } from '../../../src/channels/sms/sms-digest';
import { renderSlackDigest } from '../../../src/channels/slack/slack-digest';
import { renderTeamsDigest } from '../../../src/channels/teams/teams-digest';
import { deliveryOf } from '../../support/delivery-factory';
import { hostileContent, sampleContent, SCRIPT, SLACK_PING } from '../../support/notification-content';

const ORG = '0f4a7a52-0000-4000-8000-000000000002';
const VENDOR = { kind: 'vendor' as const, id: '1a2b3c4d-0000-4000-8000-000000000003' };
const AT = Date.parse('2026-11-26T06:00:00Z');
const KEY = digestKey(VENDOR, 'email', AT);

function held(n: number, content: Partial<NotificationContent> = {}, level: 'normal' | 'low' = 'normal'): StoredDelivery {
  const c = sampleContent({ kind: 'form.response_received', title: `Form response ${n}`, summary: `Answer ${n}`, occurredAt: new Date(Date.UTC(2026, 10, 25, 22, n)).toISOString(), priority: { level, score: 40 + n, reasons: [] }, ...content });
  return toStored(deliveryOf({ channel: 'email', to: 'ana@example.test', toName: 'Ana', content: c }, { id: `dlv_item_${n}`, organizationId: ORG, recipient: VENDOR, priority: c.priority, digest: { atMs: AT, heldBy: 'quiet_hours' } }));
}

describe('buildDigest', () => {
  it('gathers the held items in the order they happened, under an id made from the key and the items', () => {
    const items = [held(3), held(1), held(2)];
    const digest = buildDigest(KEY, items, { heldBy: 'quiet_hours' }, 50);
    expect(digest.id).toMatch(/^dlv_[0-9a-f]{32}$/);
    expect(buildDigest(KEY, [...items].reverse(), { heldBy: 'quiet_hours' }, 50).id).toBe(digest.id);
    expect(buildDigest(KEY, items.slice(0, 2), { heldBy: 'quiet_hours' }, 50).id).not.toBe(digest.id);
    expect(buildDigest(digestKey(VENDOR, 'email', AT + 1), items, { heldBy: 'quiet_hours' }, 50).id).not.toBe(digest.id);
    const content = (digest.message as { content: NotificationContent }).content;
    expect(content.digest?.entries.map((e) => e.title)).toEqual(['Form response 1', 'Form response 2', 'Form response 3']);
    expect(digest).toMatchObject({ channel: 'email', recipient: VENDOR, organizationId: ORG, notBeforeMs: null, deadlineMs: null, fallbacks: [] });
    expect(digest.priority).toEqual({ level: 'normal', score: 43, reasons: ['digest of 3 held changes'] });
    // The ledger keeps no address: the digest reads it at send time like any delivery.
    expect(JSON.stringify(digest)).not.toContain('ana@example.test');
  });

  it('is low only when every item is low, lists at most maxItems and counts the rest', () => {
    const digest = buildDigest(KEY, [held(1, {}, 'low'), held(2, {}, 'low'), held(3, {}, 'low')], { heldBy: 'hourly_cap' }, 2);
    expect(digest.priority.level).toBe('low');
    const content = (digest.message as { content: NotificationContent }).content;
    expect(content.digest).toMatchObject({ total: 3, heldBy: 'hourly_cap' });
    expect(content.digest?.entries).toHaveLength(2);
    expect(renderEmailText(content)).toContain('and 1 more change');
  });
});

describe('digest rendering per channel', () => {
  const digest = buildDigest(KEY, [held(1), held(2), held(3, { kind: 'timeline.updated', title: 'Timeline updated' }), held(4), held(5)], { heldBy: 'quiet_hours' }, 50);
  const content = (digest.message as { content: NotificationContent }).content;

  it('email: a subject with the count, and every change listed in both parts', () => {
    expect(emailSubject(content)).toBe('Bloom Planning: 5 updates while you were away');
    const text = renderEmailText(content);
    const html = renderEmailHtml(content);
    for (const title of ['Form response 1', 'Form response 2', 'Timeline updated', 'Form response 4', 'Form response 5']) {
      expect(text).toContain(`- ${title} (Ana & Ben, Sat, 27 Jun 2026)`);
      expect(html).toContain(title);
    }
    expect(text).toContain('4 form responses, 1 timeline change');
  });

  it('SMS: one short line, the count and the breakdown, with the wedding link, in one segment', () => {
    const sms = renderSmsDigest(content, content.digest!, 3);
    expect(sms.text).toBe('Bloom Planning: 5 updates while you were away (4 form responses, 1 timeline change)\nhttps://app.wedsync.example/weddings/7d0c7d5e-0000-4000-8000-000000000001');
    expect(sms.segments).toBe(1);
  });

  it('Slack and Teams: the headline, then one line per change', () => {
    const slack = renderSlackDigest(content, content.digest!);
    expect(slack.blocks.filter((b) => b.type === 'section')).toHaveLength(5);
    expect(slack.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '5 updates while you were away', emoji: false } });
    const teams = JSON.stringify(renderTeamsDigest(content, content.digest!));
    expect(teams.match(/• /g)).toHaveLength(5);
  });

  it('keeps customer text inert in every channel', () => {
    const hostile = buildDigest(KEY, [held(1, { ...hostileContent(), priority: { level: 'normal', score: 40, reasons: [] } })], { heldBy: 'quiet_hours' }, 50);
    const c = (hostile.message as { content: NotificationContent }).content;
    expect(renderEmailHtml(c)).not.toContain(SCRIPT);
    expect(JSON.stringify(renderSlackDigest(c, c.digest!))).not.toContain(SLACK_PING);
    expect(JSON.stringify(renderTeamsDigest(c, c.digest!))).not.toContain('[click](http');
    expect(renderSmsDigest(c, c.digest!, 1).segments).toBeLessThanOrEqual(1);
  });
});
