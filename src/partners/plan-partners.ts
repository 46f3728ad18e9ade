import type { ConnectionSummary } from '../connections/connection';
import type { RuleConfig } from '../config/rules.schema';
import type { Decision } from '../decide/plan';
import type { Delivery } from '../decide/delivery';
import type { ChangeEvent } from '../intake/change-event';
import { deliveryId } from '../intake/event-identity';
import type { RateLimitSettings } from '../vocabulary';

export interface PartnerPlanInput {
  readonly event: ChangeEvent;
  readonly rules: readonly RuleConfig[];
  readonly decisions: readonly Decision[];
  readonly organizationId: string;
  readonly weddingId: string | null;
  readonly connections: readonly ConnectionSummary[];
  readonly limitFor: (partner: string) => RateLimitSettings | null;
}

/**
 * One delivery per enabled connection subscribed to the change, for each rule with a
 * `partner_connections` audience. Pure. The delivery id comes from the event and the connection,
 * so a replayed change is the same delivery; the message holds no wedding data (the send reads
 * it), so of two pending changes the later send carries the newest state.
 */
export function planPartnerDeliveries(input: PartnerPlanInput): Delivery[] {
  const { event, weddingId } = input;
  if (!weddingId) return [];
  const planned = new Map<string, Delivery>();
  for (const rule of input.rules) {
    const decision = input.decisions.find((d) => d.rule === rule.name);
    if (!decision) continue;
    for (const audience of rule.audiences) {
      if (audience.type !== 'partner_connections') continue;
      for (const connection of input.connections) {
        if (!connection.enabled || connection.organizationId !== input.organizationId || !connection.options.changes.includes(audience.change)) continue;
        const id = deliveryId(event.id, 'partner', `endpoint:${connection.id}`);
        if (planned.has(id)) continue;
        planned.set(id, {
          id,
          eventId: event.id,
          organizationId: input.organizationId,
          weddingId,
          kind: rule.kind,
          channel: 'partner',
          recipient: { kind: 'endpoint', id: connection.id },
          priority: decision.priority,
          notBeforeMs: null,
          deadlineMs: null,
          message: { channel: 'partner', connectionId: connection.id, partner: connection.partner, organizationId: input.organizationId, weddingId, change: audience.change },
          rateLimit: input.limitFor(connection.partner),
          fallbacks: [],
          notes: [],
          log: { table: event.table, operation: event.operation, rule: rule.name },
        });
      }
    }
  }
  return [...planned.values()];
}
