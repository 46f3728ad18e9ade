import type { DeliveryMessage } from '../channels/messages';

/** j***@example.com: enough for on-call to tell recipients apart, not enough to harvest. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '***';
  return `${address[0]}***${address.slice(at)}`;
}

/** +1415****23: country and area code, and the last two digits. */
export function maskPhone(number: string): string {
  const digits = number.replace(/[^\d+]/g, '');
  if (digits.length < 7) return '***';
  return `${digits.slice(0, 5)}${'*'.repeat(digits.length - 7)}${digits.slice(-2)}`;
}

/** Where a message goes, as a log may show it: masked people, hosts of secret URLs, ids. */
export function maskedAddress(message: DeliveryMessage): string {
  switch (message.channel) {
    case 'email':
      return maskEmail(message.to);
    case 'sms':
      return maskPhone(message.to);
    case 'in_app':
      return `${message.recipientKind}:${message.recipientId}`;
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
