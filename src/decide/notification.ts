import type { Priority } from './priority';

/** What happened, in the worker's words. Each kind has a template in every channel. */
export const notificationKinds = [
  'wedding.date_changed',
  'wedding.updated',
  'wedding.emergency',
  'form.response_received',
  'journey.milestone_reached',
  'payment.received',
  'payment.failed',
  'timeline.updated',
  'client.profile_updated',
  'change.generic',
] as const;
export type NotificationKind = (typeof notificationKinds)[number];

export interface Fact {
  readonly label: string;
  readonly value: string;
}

/**
 * Channel-neutral content of one notification. Every string may hold text typed by a customer
 * (names, form answers): channels escape it for their own format and must never trust it.
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
}
