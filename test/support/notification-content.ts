import type { NotificationContent } from '../../src/channels/messages';

/** A plausible notification; override any part. */
export function sampleContent(overrides: Partial<NotificationContent> = {}): NotificationContent {
  return {
    kind: 'wedding.date_changed',
    eventId: 'evt_0123456789abcdef',
    title: 'Wedding date changed',
    summary: 'The wedding of Ana & Ben moved from 2026-06-20 to 2026-06-27.',
    facts: [
      { label: 'New date', value: '2026-06-27' },
      { label: 'Previous date', value: '2026-06-20' },
      { label: 'Couple', value: 'Ana & Ben' },
    ],
    link: 'https://app.wedsync.example/weddings/7d0c7d5e-0000-4000-8000-000000000001',
    organization: { id: '0f4a7a52-0000-4000-8000-000000000002', name: 'Bloom Planning' },
    wedding: { id: '7d0c7d5e-0000-4000-8000-000000000001', coupleName: 'Ana & Ben', date: '2026-06-27', timeZone: 'Europe/Lisbon' },
    priority: { level: 'high', score: 65, reasons: ['wedding.date_changed is high', 'date change touches 2026-06-20, within 30 days'] },
    occurredAt: '2026-05-01T10:00:00.000Z',
    ...overrides,
  };
}

export const SCRIPT = '<script>alert(1)</script>';
export const SLACK_PING = '<!channel>';
export const SLACK_LINK = '<http://evil.example|click>';
export const LONG_NAME = 'Ana'.repeat(1667).slice(0, 5000);

/** Every hostile value at once, in every customer-typed field. */
export function hostileContent(overrides: Partial<NotificationContent> = {}): NotificationContent {
  const couple = `${SCRIPT} ${SLACK_PING} ${SLACK_LINK} 💍 [click](http://evil.example) <@U123>`;
  return sampleContent({
    title: `${SCRIPT} ${SLACK_PING}`,
    summary: `${SLACK_LINK} said "hi" & left 🎉 ${SCRIPT}`,
    facts: [
      { label: `${SCRIPT}`, value: `${SLACK_LINK} & ${SLACK_PING}` },
      { label: 'Long', value: LONG_NAME },
    ],
    link: 'javascript:alert(1)',
    organization: { id: '0f4a7a52-0000-4000-8000-000000000002', name: `${SCRIPT} Planning` },
    wedding: { id: '7d0c7d5e-0000-4000-8000-000000000001', coupleName: couple, date: '2026-06-27', timeZone: 'UTC' },
    priority: { level: 'critical', score: 90, reasons: [`${SLACK_PING} ${SCRIPT}`] },
    ...overrides,
  });
}
