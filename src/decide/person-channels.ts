import type { DeliveryMessage, NotificationContent } from '../channels/messages';
import type { ChannelKind } from '../vocabulary';
import type { Person } from '../context/event-context';

export const PERSON_CHANNELS: ReadonlySet<ChannelKind> = new Set(['email', 'sms', 'in_app']);

/** Whether this person can be reached on a channel at all: an address, and no opt-out. */
export function reachable(person: Person, channel: ChannelKind): boolean {
  if (person.preferences.optOutChannels.includes(channel)) return false;
  if (channel === 'email') return !!person.email;
  if (channel === 'sms') return !!person.phone;
  return channel === 'in_app';
}

/**
 * The channels a person gets, in order: the wanted ones that are configured and reach them; when
 * none does, the first of `fallbackOrder` that does (a vendor without a phone still hears about
 * an emergency). `wanted` is unfiltered: a rule that wants people told always tells them.
 */
export function channelsFor(
  person: Person,
  wanted: readonly ChannelKind[],
  available: ReadonlySet<ChannelKind>,
  fallbackOrder: readonly ChannelKind[],
): ChannelKind[] {
  const personal = wanted.filter((c) => PERSON_CHANNELS.has(c));
  const works = (c: ChannelKind) => PERSON_CHANNELS.has(c) && available.has(c) && reachable(person, c);
  const usable = personal.filter(works);
  if (usable.length > 0 || personal.length === 0) return usable;
  const fallback = fallbackOrder.find(works);
  return fallback ? [fallback] : [];
}

export function personMessage(person: Person, channel: ChannelKind, content: NotificationContent, weddingId: string | null): DeliveryMessage | null {
  switch (channel) {
    case 'email':
      return person.email ? { channel, to: person.email, toName: person.name, content } : null;
    case 'sms':
      return person.phone ? { channel, to: person.phone, content } : null;
    case 'in_app':
      return { channel, organizationId: person.organizationId, recipientKind: person.kind, recipientId: person.id, weddingId, content };
    default:
      return null;
  }
}
