import type { NotificationContent } from '../decide/notification';

export const channelKinds = ['webhook', 'email', 'sms', 'slack', 'teams', 'in_app'] as const;
export type ChannelKind = (typeof channelKinds)[number];

export type RecipientKind = 'vendor' | 'client' | 'staff' | 'endpoint' | 'organization';

export interface WebhookMessage {
  readonly channel: 'webhook';
  readonly url: string;
  readonly secrets: readonly string[];
  readonly timeoutMs: number;
  /** Serialized once per delivery, so every attempt signs the exact same bytes. */
  readonly body: string;
}

export interface EmailMessage {
  readonly channel: 'email';
  readonly to: string;
  readonly toName: string;
  readonly content: NotificationContent;
}

export interface SmsMessage {
  readonly channel: 'sms';
  /** Should be E.164; the channel validates before any request. */
  readonly to: string;
  readonly content: NotificationContent;
}

export interface SlackMessage {
  readonly channel: 'slack';
  /** The organization's incoming-webhook URL: a secret, never logged. */
  readonly webhookUrl: string;
  readonly content: NotificationContent;
}

export interface TeamsMessage {
  readonly channel: 'teams';
  /** The organization's Workflows (Power Automate) webhook URL: a secret, never logged. */
  readonly webhookUrl: string;
  readonly content: NotificationContent;
}

export interface InAppMessage {
  readonly channel: 'in_app';
  readonly organizationId: string;
  readonly recipientKind: 'vendor' | 'client' | 'staff';
  readonly recipientId: string;
  readonly weddingId: string | null;
  readonly content: NotificationContent;
}

export type DeliveryMessage = WebhookMessage | EmailMessage | SmsMessage | SlackMessage | TeamsMessage | InAppMessage;

export type MessageFor<K extends ChannelKind> = Extract<DeliveryMessage, { channel: K }>;
