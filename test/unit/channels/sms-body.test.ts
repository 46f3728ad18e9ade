import { describe, expect, it } from '@jest/globals';
import { fitSegments, renderSmsBody } from '../../../src/channels/sms/sms-body';
import { countSmsSegments } from '../../../src/channels/sms/sms-segments';
import { LONG_NAME, sampleContent } from '../../support/notification-content';

describe('SMS segments and body', () => {
  it('counts GSM-7 at 160 characters a segment and 153 once split', () => {
    expect(countSmsSegments('a'.repeat(160))).toEqual({ segments: 1, encoding: 'GSM-7' });
    expect(countSmsSegments('a'.repeat(161))).toEqual({ segments: 2, encoding: 'GSM-7' });
    expect(countSmsSegments('a'.repeat(306))).toEqual({ segments: 2, encoding: 'GSM-7' });
  });

  it('counts a message with one emoji as UCS-2: 70 characters a segment, 67 once split', () => {
    expect(countSmsSegments('Congratulations 🎉')).toEqual({ segments: 1, encoding: 'UCS-2' });
    expect(countSmsSegments(`${'a'.repeat(69)}🎉`).segments).toBe(2);
  });

  it('marks critical and high messages, and not normal ones', () => {
    expect(renderSmsBody(sampleContent({ priority: { level: 'critical', score: 90, reasons: [] } }), 3).text).toMatch(/^URGENT: /);
    expect(renderSmsBody(sampleContent(), 3).text).toMatch(/^Important: /);
    expect(renderSmsBody(sampleContent({ priority: { level: 'normal', score: 40, reasons: [] } }), 3).text).toMatch(/^Wedding date changed\n/);
  });

  it('cuts a 5,000-character name to the cap, with an ellipsis, and recounts', () => {
    const content = sampleContent({ wedding: { id: 'w', coupleName: LONG_NAME, date: '2026-06-27', timeZone: 'UTC' } });
    const body = renderSmsBody(content, 2);
    expect(body).toMatchObject({ segments: 2, encoding: 'GSM-7', truncated: true });
    expect(countSmsSegments(body.text).segments).toBe(2);
    expect(body.text).toMatch(/\.\.\.\nhttps:\/\/app\.wedsync\.example\/weddings\/[-0-9a-f]+$/);
  });

  it('cuts at a grapheme boundary, never through an emoji', () => {
    const body = fitSegments('👩‍❤️‍👨'.repeat(100), '', 1);
    expect(body.segments).toBe(1);
    expect(body.text.replace(/\.\.\.$/, '')).toBe('👩‍❤️‍👨'.repeat((body.text.length - 3) / '👩‍❤️‍👨'.length));
  });

  it('drops a link that cannot fit even on its own rather than cut it', () => {
    const body = fitSegments('Hello there', `\nhttps://app.example/${'x'.repeat(200)}`, 1);
    expect(body.text).toBe('Hello there');
  });

  it('flattens hostile line breaks and control characters into single spaces', () => {
    const body = renderSmsBody(sampleContent({ title: 'Hi\n\nReply STOP\u0000 now\u202E' }), 3);
    expect(body.text.split('\n')[0]).toBe('Important: Hi Reply STOP now');
  });
});
