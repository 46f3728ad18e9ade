import type { AudienceConfig } from '../config/rules.schema';
import type { NotificationKind } from '../vocabulary';
import type { EventContext, Person, TenantWebhookEndpoint } from '../context/event-context';
import type { ChangeEvent } from '../intake/change-event';

export interface Audience {
  readonly people: Person[];
  readonly tenantEndpoints: TenantWebhookEndpoint[];
  /** Names of webhook endpoints from the config file. */
  readonly configEndpoints: string[];
}

/**
 * Who a rule reaches for this event. Only ever people and endpoints of the context, and the
 * context belongs to the event's organization: tenant isolation is enforced here a second time,
 * by organization id, so a wrong context can never fan out across tenants.
 */
export function resolveAudience(
  audiences: readonly AudienceConfig[],
  event: ChangeEvent,
  kind: NotificationKind,
  context: EventContext | null,
): Audience {
  const people = new Map<string, Person>();
  const tenantEndpoints = new Map<string, TenantWebhookEndpoint>();
  const configEndpoints = new Set<string>();
  const org = context?.organization.id;
  const add = (person: Person) => {
    if (person.organizationId === org) people.set(`${person.kind}:${person.id}`, person);
  };
  const row = event.record ?? event.oldRecord ?? {};
  for (const audience of audiences) {
    if (audience.type === 'endpoint') {
      configEndpoints.add(audience.name);
      continue;
    }
    if (!context) continue;
    switch (audience.type) {
      case 'wedding_vendors':
        context.people.filter((p) => p.kind === 'vendor' && hasRole(p, audience.roles)).forEach(add);
        break;
      case 'couple':
        context.people.filter((p) => p.kind === 'client').forEach(add);
        break;
      case 'staff':
        context.people.filter((p) => p.kind === 'staff' && hasRole(p, audience.roles)).forEach(add);
        break;
      case 'vendor_in_column': {
        const ids = idsIn(row[audience.column]);
        context.people.filter((p) => p.kind === 'vendor' && ids.has(p.id)).forEach(add);
        break;
      }
      case 'webhook_endpoints':
        for (const endpoint of context.webhookEndpoints) {
          const subscribed = endpoint.eventTypes.includes('*') || endpoint.eventTypes.includes(kind);
          if (endpoint.enabled && subscribed && endpoint.organizationId === org) tenantEndpoints.set(endpoint.id, endpoint);
        }
        break;
    }
  }
  return { people: [...people.values()], tenantEndpoints: [...tenantEndpoints.values()], configEndpoints: [...configEndpoints] };
}

function hasRole(person: Person, roles: readonly string[] | undefined): boolean {
  return !roles || person.roles.some((r) => roles.includes(r));
}

function idsIn(value: unknown): Set<string> {
  if (Array.isArray(value)) return new Set(value.filter((v): v is string => typeof v === 'string'));
  if (typeof value !== 'string') return new Set();
  // A uuid[] may arrive in Postgres text form, "{a,b}", when the client does not know the type.
  return new Set(value.startsWith('{') ? value.slice(1, -1).split(',').filter(Boolean) : [value]);
}
