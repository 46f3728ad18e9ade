import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { SegmentedMessage } from 'sms-segments-calculator';
import { fitSegments, renderSmsBody } from '../../../src/channels/sms/sms-body';
import { countSmsSegments } from '../../../src/channels/sms/sms-segments';
import { buildContent } from '../../../src/decide/content';
import type { ChangeEvent } from '../../../src/intake/change-event';
import { LONG_NAME, sampleContent } from '../../support/notification-content';

// GSM-7 letters, GSM-7 extension characters (two septets), UCS-2 letters, emoji (surrogate pairs, ZWJ sequences), CRLF.
const SMS_PIECES = ['a', 'Z', ' ', '@', '£', '\n', '{', '€', '^', '~', 'é', 'ç', 'Ж', '中', '🎉', '👩‍❤️‍👨', '\r\n'];

function emergency(message: string): ChangeEvent {
  return {
    id: 'evt_long',
    schema: 'public',
    table: 'wedding_emergencies',
    operation: 'INSERT',
    commitTimestamp: '2026-05-01T10:00:00.000Z',
    record: { id: 'e1', message, severity: message, raised_by: message },
    oldRecord: null,
    primaryKey: { id: 'e1' },
    subscription: 'emergencies',
  };
}

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

  it('counts exactly as sms-segments-calculator (Twilio\'s own) does, for any mix of encodings', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...SMS_PIECES), { maxLength: 700 }), (pieces) => {
        const body = pieces.join('');
        const reference = new SegmentedMessage(body);
        expect(countSmsSegments(body)).toEqual({ segments: reference.segmentsCount, encoding: reference.encodingName });
      }),
      { numRuns: 300 },
    );
  });

  it('renders a 100,000-character alert to an SMS of at most 4 segments', () => {
    const huge = 'Flooded venue, guests moved to the hall. '.repeat(2500).slice(0, 100_000);
    const content = buildContent('wedding.emergency', emergency(huge), null, { level: 'critical', score: 95, reasons: [] }, null);
    const body = renderSmsBody(content, 4);
    expect(body).toMatchObject({ truncated: true, encoding: 'GSM-7' });
    expect(body.segments).toBeLessThanOrEqual(4);
    expect(new SegmentedMessage(body.text).segmentsCount).toBeLessThanOrEqual(4);
    expect(body.text).toMatch(/^URGENT: Emergency: Flooded venue/);
  });

  it('fits a 100,000-character text straight into fitSegments at most 4 segments, in UCS-2 too', () => {
    for (const huge of ['x'.repeat(100_000), '🎉 party '.repeat(12_500)]) {
      const body = fitSegments(huge, '\nhttps://app.example/w/1', 4);
      expect(body.segments).toBeLessThanOrEqual(4);
      expect(new SegmentedMessage(body.text).segmentsCount).toBe(body.segments);
      expect(body.text.endsWith('...\nhttps://app.example/w/1')).toBe(true);
    }
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
