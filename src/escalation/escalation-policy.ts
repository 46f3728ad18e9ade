import type { NotificationContent } from '../channels/messages';
import type { EscalationConfig, EscalationPolicy } from '../config/escalation.schema';
import type { WeddingDayMode } from '../config/policy.schema';
import { inDayMode } from '../decide/day-mode';
import type { Delivery } from '../decide/delivery';
import { deliveryId } from '../intake/event-identity';
import type { StoredDelivery } from '../deliver/stored-delivery';

/** The first policy for this kind and level; null: the event is never escalated. */
export function matchPolicy(config: EscalationConfig, kind: string, level: string): EscalationPolicy | null {
  return config.policies.find((p) => (!p.kinds || (p.kinds as string[]).includes(kind)) && (p.levels as string[]).includes(level)) ?? null;
}

/** How long to wait for an answer: tighter inside the wedding's day mode (its own time zone). */
export function waitMs(policy: EscalationPolicy, content: NotificationContent, nowMs: number, dayMode: WeddingDayMode): number {
  const wedding = content.wedding
    ? { id: content.wedding.id, organizationId: content.organization.id, coupleName: '', date: content.wedding.date, timeZone: content.wedding.timeZone, venueName: null, status: '' }
    : null;
  return inDayMode(wedding, nowMs, dayMode) ? policy.weddingDayAfterMs : policy.afterMs;
}

export interface TierPerson {
  readonly id: string;
}

/**
 * The deliveries of one tier: the same content to each person of the tier, on the tier's
 * channel, each with its own delivery id (so the ledger runs it like any other, exactly once).
 * The address is not in the row: the address book reads the person's at send time.
 */
export function tierDeliveries(input: {
  readonly eventId: string;
  readonly organizationId: string;
  readonly weddingId: string | null;
  readonly kind: Delivery['kind'];
  readonly tier: number;
  readonly channel: 'sms' | 'email' | 'voice';
  readonly people: readonly TierPerson[];
  readonly content: NotificationContent;
  readonly policy: string;
}): StoredDelivery[] {
  // A voice tier is the SMS channel's call mode: same number, same Twilio account, same opt-out
  // (STOP covers calls too), its own delivery id so a call and a text of one event never collide.
  const voice = input.channel === 'voice';
  const channel = voice ? 'sms' : input.channel;
  return input.people.map((person) => {
    const recipient = { kind: 'staff' as const, id: person.id };
    return {
      id: deliveryId(input.eventId, `${input.channel}:escalation:${input.tier}`, `staff:${person.id}`),
      eventId: input.eventId,
      organizationId: input.organizationId,
      weddingId: input.weddingId,
      kind: input.kind,
      channel,
      recipient,
      priority: input.content.priority,
      notBeforeMs: null,
      deadlineMs: null,
      message: channel === 'sms' ? { channel, content: input.content, ...(voice ? { voice: true } : {}) } : { channel, content: input.content },
      rateLimit: null,
      fallbacks: [],
      notes: [`escalation tier ${input.tier} of policy ${input.policy}: nobody acknowledged`],
      log: { table: 'escalations', operation: 'ESCALATE', rule: `escalation:${input.policy}` },
    };
  });
}
