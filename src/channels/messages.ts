import type { ChannelKind, NotificationKind, Priority } from '../vocabulary';

export interface Fact {
  readonly label: string;
  readonly value: string;
}

/**
 * Channel-neutral content of one notification, as the decide stage writes it and every channel
 * renders it. Every string may hold text typed by a customer (names, form answers): channels
 * escape it for their own format and must never trust it.
 */
export interface NotificationContent {
  readonly kind: NotificationKind;
  readonly eventId: string;
  /** Short headline, e.g. "Wedding date changed". */
  readonly title: string;
  /** One or two sentences. */
  readonly summary: string;
  readonly facts: readonly Fact[];
  /** Where to look in the app; absolute https URL or null. */
  readonly link: string | null;
  readonly organization: { readonly id: string; readonly name: string };
  readonly wedding: {
    readonly id: string;
    readonly coupleName: string;
    /** Local date of the wedding, YYYY-MM-DD. */
    readonly date: string;
    readonly timeZone: string;
  } | null;
  readonly priority: Priority;
  /** ISO time the change was committed. */
  readonly occurredAt: string;
  /** Present on a digest: the held changes it gathers, which every channel lists its own way. */
  readonly digest?: DigestSummary;
}

/** One held change, as a digest lists it. */
export interface DigestEntry {
  readonly kind: NotificationKind;
  readonly title: string;
  readonly summary: string;
  readonly coupleName: string | null;
  /** Local date of the wedding, YYYY-MM-DD, when the change is about one. */
  readonly weddingDate: string | null;
  readonly link: string | null;
  readonly occurredAt: string;
}

export interface DigestSummary {
  /** Changes gathered; `entries` lists the first of them (the config's maxItems). */
  readonly total: number;
  readonly entries: readonly DigestEntry[];
  /** What held them: the person's quiet hours or their hourly cap. */
  readonly heldBy: 'quiet_hours' | 'hourly_cap';
}

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
  /** A voice call reading the message (Twilio Calls, TwiML `<Say>`) instead of a text: an escalation tier's. */
  readonly voice?: boolean;
}

export interface SlackMessage {
  readonly channel: 'slack';
  /**
   * The organization's incoming-webhook URL: a secret, never logged. Absent: the organization has
   * only the Slack app, whose bot token posts it (src/channels/slack-app/).
   */
  readonly webhookUrl?: string;
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

/**
 * A wedding to bring up to date in a partner's system (src/partners). It names the connection,
 * never its credentials, and carries no wedding data: the send reads the wedding as it is then,
 * so a retried older change can only ever send the newest state.
 */
export interface PartnerMessage {
  readonly channel: 'partner';
  readonly connectionId: string;
  /** For logs and limits: which partner the connection is with. */
  readonly partner: string;
  readonly organizationId: string;
  readonly weddingId: string;
  /** What changed (date, venue, timeline, …), as the connection subscribed to it. */
  readonly change: string;
}

export type DeliveryMessage = WebhookMessage | EmailMessage | SmsMessage | SlackMessage | TeamsMessage | InAppMessage | PartnerMessage;

export type MessageFor<K extends ChannelKind> = Extract<DeliveryMessage, { channel: K }>;
