import { maskEmail, maskPhone } from '../lib/mask';
import type { DeliveryMessage } from './messages';

/** Where a message goes, as a log may show it: masked people, hosts of secret URLs, ids. */
export function maskedAddress(message: DeliveryMessage): string {
  switch (message.channel) {
    case 'email':
      return maskEmail(message.to);
    case 'sms':
      return maskPhone(message.to);
    case 'in_app':
      return `${message.recipientKind}:${message.recipientId}`;
    case 'partner':
      return `${message.partner}:${message.connectionId}`;
    case 'slack':
      // No hook: the organization's Slack app posts it, to a channel chosen at send time.
      return message.webhookUrl === undefined ? `slack-app:${message.content.organization.id}` : hostOf(message.webhookUrl);
    default:
      // Webhook, Slack and Teams URLs carry their secret in the path or query: the host only.
      return hostOf(message.channel === 'webhook' ? message.url : message.webhookUrl);
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid-url';
  }
}
