import type { DeliveryMessage, NotificationContent } from '../../src/channels/messages';
import type { PriorityLevel } from '../../src/vocabulary';
import type { Delivery } from '../../src/decide/delivery';

let n = 0;

export function contentOf(level: PriorityLevel, title = 'Test notification'): NotificationContent {
  return {
    kind: 'change.generic',
    eventId: `evt_${n}`,
    title,
    summary: 'Something changed.',
    facts: [],
    link: null,
    organization: { id: 'org-a', name: 'Org A' },
    wedding: null,
    priority: { level, score: 50, reasons: ['test'] },
    occurredAt: new Date(0).toISOString(),
  };
}

/** A delivery as the planner would make it, for dispatcher tests. */
export function deliveryOf(message: DeliveryMessage, overrides: Partial<Delivery> = {}): Delivery {
  n += 1;
  const level = overrides.priority?.level ?? 'normal';
  return {
    id: `dlv_test_${n}`,
    eventId: `evt_test_${n}`,
    organizationId: '0000000a-0000-4000-8000-000000000001',
    weddingId: null,
    kind: 'change.generic',
    channel: message.channel,
    recipient: { kind: 'organization', id: 'org-a' },
    priority: { level, score: 50, reasons: ['test'] },
    notBeforeMs: null,
    deadlineMs: null,
    message,
    rateLimit: null,
    fallbacks: [],
    notes: [],
    log: { table: 'test', operation: 'INSERT', rule: 'test' },
    ...overrides,
  };
}
