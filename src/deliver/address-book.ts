import { PermanentDeliveryError } from '../channels/errors';
import type { DeliveryMessage } from '../channels/messages';
import type { ResolvedWebhookEndpoint } from '../config/load-config';
import type { ContextRepository, EventContext } from '../context/event-context';
import { slackAppCanPost } from '../context/slack-app-reach';
import type { Delivery, Recipient } from '../decide/delivery';
import { hasAddress, hasAddressReference, type StoredDelivery, type StoredMessage } from './stored-delivery';

/** Where a stored delivery was to go is gone (endpoint deleted, hook removed, person opted out). */
export class AddressUnavailableError extends PermanentDeliveryError {}

/** Reads a stored delivery's addresses and secrets back from where they live, at send time. */
export interface AddressBook {
  resolve(stored: StoredDelivery): Promise<Delivery>;
  /** The organization's rows changed: the next resolve reads them afresh. */
  forget(organizationId: string | null): void;
}

export interface AddressBookOptions {
  /** The tenant tables, through the same cache the planner reads (the stream invalidates it). */
  readonly contexts: ContextRepository;
  /** The file's webhook endpoints, by name, with their secrets from the environment. */
  readonly configEndpoints: ReadonlyMap<string, ResolvedWebhookEndpoint>;
}

/**
 * The other half of the ledger keeping references: a rotated secret or a new hook URL applies to
 * every delivery not sent yet, replayed dead letters included. A fallback whose address is gone
 * is dropped; the delivery's own address being gone fails it permanently.
 */
export function createAddressBook({ contexts, configEndpoints }: AddressBookOptions): AddressBook {
  const contextOf = async (stored: StoredDelivery): Promise<EventContext> => {
    if (stored.organizationId === null) throw new AddressUnavailableError('address unavailable: no organization');
    const result = await contexts.resolve({ organizationId: stored.organizationId, weddingId: stored.weddingId });
    if (!result.ok) throw new AddressUnavailableError(`address unavailable: ${result.reason}`);
    return result.context;
  };

  const messageFor = async (stored: StoredDelivery, recipient: Recipient, message: StoredMessage, context: () => Promise<EventContext>): Promise<DeliveryMessage> => {
    if (!hasAddressReference(message.channel, recipient, stored.organizationId)) {
      if (!hasAddress(message)) throw new AddressUnavailableError('address unavailable: stored without one');
      return message;
    }
    if (message.channel === 'webhook' && recipient.id.startsWith('config:')) {
      const endpoint = configEndpoints.get(recipient.id.slice('config:'.length));
      if (!endpoint) throw new AddressUnavailableError('address unavailable: the file endpoint is no longer configured');
      return { ...message, url: endpoint.url, secrets: endpoint.secrets };
    }
    const { organization, people, webhookEndpoints } = await context();
    switch (message.channel) {
      case 'webhook': {
        const endpoint = webhookEndpoints.find((e) => e.id === recipient.id);
        if (!endpoint) throw new AddressUnavailableError('address unavailable: the webhook endpoint was deleted');
        return { ...message, url: endpoint.url, secrets: endpoint.secrets };
      }
      case 'slack': {
        if (organization.slackWebhookUrl) return { ...message, webhookUrl: organization.slackWebhookUrl };
        // No hook (or no longer): the organization's Slack app, if it has a channel for this message.
        const { webhookUrl: _gone, ...viaApp } = message;
        if (slackAppCanPost(organization.slackApp, { aboutWedding: message.content.wedding !== null, digest: message.content.digest !== undefined })) return viaApp;
        throw new AddressUnavailableError('address unavailable: the organization has no slack hook and no Slack app channel for it any more');
      }
      case 'teams': {
        if (!organization.teamsWebhookUrl) throw new AddressUnavailableError('address unavailable: the organization has no teams hook any more');
        return { ...message, webhookUrl: organization.teamsWebhookUrl };
      }
      case 'email':
      case 'sms': {
        const person = people.find((p) => p.kind === recipient.kind && p.id === recipient.id);
        if (!person) throw new AddressUnavailableError('address unavailable: the recipient is no longer part of the wedding or organization');
        if (person.preferences.optOutChannels.includes(message.channel)) throw new AddressUnavailableError(`address unavailable: the recipient opted out of ${message.channel}`);
        const address = message.channel === 'email' ? person.email : person.phone;
        if (!address) throw new AddressUnavailableError(`address unavailable: the recipient has no ${message.channel === 'email' ? 'email address' : 'phone number'} any more`);
        return message.channel === 'email' ? { ...message, to: address, toName: person.name } : { ...message, to: address };
      }
      default:
        return message as DeliveryMessage;
    }
  };

  return {
    async resolve(stored) {
      let loaded: Promise<EventContext> | undefined;
      const context = () => (loaded ??= contextOf(stored));
      const message = await messageFor(stored, stored.recipient, stored.message, context);
      const fallbacks = await Promise.all(
        stored.fallbacks.map((f) =>
          messageFor(stored, f.recipient, f.message, context).then(
            (m) => ({ recipient: f.recipient, message: m }),
            (error: unknown) => {
              if (error instanceof AddressUnavailableError) return null;
              throw error;
            },
          ),
        ),
      );
      return { ...stored, message, fallbacks: fallbacks.filter((f) => f !== null) };
    },
    forget: (organizationId) => contexts.invalidate(organizationId),
  };
}
