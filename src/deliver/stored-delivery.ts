import type { DeliveryMessage } from '../channels/messages';
import type { ChannelKind } from '../vocabulary';
import type { Delivery, Recipient } from '../decide/delivery';

/** The fields of a message that are an address or a credential. */
type AddressField = 'url' | 'secrets' | 'to' | 'toName' | 'webhookUrl';
type WithoutAddress<M> = M extends DeliveryMessage ? Omit<M, Extract<keyof M, AddressField>> & Partial<Pick<M, Extract<keyof M, AddressField>>> : never;

/** A message as the ledger keeps it: its address is absent when the recipient names where to read it. */
export type StoredMessage = WithoutAddress<DeliveryMessage>;

export interface StoredDelivery extends Omit<Delivery, 'message' | 'fallbacks'> {
  readonly message: StoredMessage;
  readonly fallbacks: readonly { readonly recipient: Recipient; readonly message: StoredMessage }[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Whether the address can be read back at send time: a tenant endpoint's row, a file endpoint of
 * the config, a person's row, the organization's chat hooks. Only deliveries made outside the
 * planner (a sandbox, a benchmark) name none, and keep their address inline.
 */
export function hasAddressReference(channel: ChannelKind, recipient: Recipient, organizationId: string | null): boolean {
  switch (channel) {
    case 'webhook':
      return recipient.kind === 'endpoint' && (recipient.id.startsWith('config:') || (organizationId !== null && UUID.test(recipient.id)));
    case 'email':
    case 'sms':
      return (recipient.kind === 'vendor' || recipient.kind === 'client' || recipient.kind === 'staff') && organizationId !== null && UUID.test(recipient.id);
    case 'slack':
    case 'teams':
      return recipient.kind === 'organization' && recipient.id === organizationId && UUID.test(recipient.id);
    case 'in_app':
    case 'partner': // names its connection; the credentials stay sealed in partner_connections
      return false;
  }
}

function withoutAddress(message: StoredMessage): StoredMessage {
  switch (message.channel) {
    case 'webhook': {
      const { url: _url, secrets: _secrets, ...rest } = message;
      return rest;
    }
    case 'email': {
      const { to: _to, toName: _toName, ...rest } = message;
      return rest;
    }
    case 'sms': {
      const { to: _to, ...rest } = message;
      return rest;
    }
    case 'slack':
    case 'teams': {
      const { webhookUrl: _webhookUrl, ...rest } = message;
      return rest;
    }
    default:
      return message;
  }
}

/**
 * What the ledger stores: the delivery with no signing secret, hook URL, email address or phone
 * number wherever the recipient says where to read it again (see AddressBook). Idempotent.
 */
export function toStored(delivery: StoredDelivery): StoredDelivery {
  const strip = (recipient: Recipient, message: StoredMessage) =>
    hasAddressReference(message.channel, recipient, delivery.organizationId) ? withoutAddress(message) : message;
  return {
    ...delivery,
    message: strip(delivery.recipient, delivery.message),
    fallbacks: delivery.fallbacks.map((f) => ({ recipient: f.recipient, message: strip(f.recipient, f.message) })),
  };
}

/** Whether the message carries its address (resolved, or kept inline). */
export function hasAddress(message: StoredMessage): message is DeliveryMessage {
  switch (message.channel) {
    case 'webhook':
      return message.url !== undefined && message.secrets !== undefined;
    case 'email':
      return message.to !== undefined && message.toName !== undefined;
    case 'sms':
      return message.to !== undefined;
    case 'slack':
    case 'teams':
      return message.webhookUrl !== undefined;
    case 'in_app':
    case 'partner':
      return true;
  }
}
