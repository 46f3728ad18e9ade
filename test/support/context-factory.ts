import type { EventContext, Person, Preferences, TenantWebhookEndpoint, Wedding } from '../../src/context/event-context';
import type { ChangeEvent } from '../../src/intake/change-event';

export const noPreferences = (timeZone = 'UTC'): Preferences => ({ optOutChannels: [], quietHours: null, timeZone, hourlyCap: null });

let counter = 0;
const nextId = (prefix: string) => `${prefix}-${(counter += 1)}`;

export function person(kind: Person['kind'], overrides: Partial<Person> = {}): Person {
  const id = overrides.id ?? nextId(kind);
  return {
    kind,
    id,
    organizationId: 'org-a',
    name: `${kind} ${id}`,
    email: `${id}@example.com`,
    phone: '+15555550100',
    roles: kind === 'client' ? ['couple'] : [],
    preferences: noPreferences(),
    ...overrides,
  };
}

export function weddingOf(overrides: Partial<Wedding> = {}): Wedding {
  return { id: 'wed-1', organizationId: 'org-a', coupleName: 'Ana & Bo', date: '2027-06-12', timeZone: 'UTC', venueName: 'The Barn', status: 'planned', ...overrides };
}

export function endpointOf(overrides: Partial<TenantWebhookEndpoint> = {}): TenantWebhookEndpoint {
  return {
    id: nextId('ep'),
    organizationId: 'org-a',
    name: 'crm',
    url: 'https://crm.example.com/hook',
    secrets: [`whsec_${Buffer.alloc(32, 1).toString('base64')}`],
    eventTypes: ['*'],
    enabled: true,
    rateLimitPerMinute: 100,
    ...overrides,
  };
}

export function contextOf(overrides: Partial<EventContext> = {}): EventContext {
  return {
    organization: { id: 'org-a', name: 'Org A', timeZone: 'UTC', slackWebhookUrl: 'https://hooks.slack.com/services/T/B/x', teamsWebhookUrl: null },
    wedding: weddingOf(),
    people: [],
    webhookEndpoints: [],
    ...overrides,
  };
}

export function changeOf(table: string, operation: ChangeEvent['operation'], record: Record<string, unknown> | null, oldRecord: Record<string, unknown> | null = null): ChangeEvent {
  const key = (record ?? oldRecord ?? {}).id;
  return {
    id: nextId('evt'),
    schema: 'public',
    table,
    operation,
    commitTimestamp: '2026-11-25T12:00:00.000Z',
    record,
    oldRecord,
    primaryKey: { id: typeof key === 'string' || typeof key === 'number' ? key : 'x' },
    subscription: table,
  };
}
