import type { ChannelKind } from '../vocabulary';
import type { SlackAppReach } from './slack-app-reach';

/** The tenant: every person, endpoint and chat destination belongs to exactly one. */
export interface Organization {
  readonly id: string;
  readonly name: string;
  readonly timeZone: string;
  /** Slack incoming-webhook URL for the organization's ops channel, if connected. Secret. */
  readonly slackWebhookUrl: string | null;
  /** Teams Workflows webhook URL, if connected. Secret. */
  readonly teamsWebhookUrl: string | null;
  /** Present when the organization has an enabled Slack app connection (its options, no token). */
  readonly slackApp?: SlackAppReach;
}

export interface Wedding {
  readonly id: string;
  readonly organizationId: string;
  readonly coupleName: string;
  /** Local calendar date of the wedding, YYYY-MM-DD, in `timeZone`. */
  readonly date: string;
  /** IANA zone of the venue, e.g. Pacific/Auckland. */
  readonly timeZone: string;
  readonly venueName: string | null;
  readonly status: string;
}

export interface QuietHours {
  /** Local wall-clock HH:MM; the window may cross midnight (22:00–07:00). */
  readonly start: string;
  readonly end: string;
}

export interface Preferences {
  /** Channels this person never wants, e.g. ['sms']. */
  readonly optOutChannels: readonly ChannelKind[];
  readonly quietHours: QuietHours | null;
  /** IANA zone the quiet hours are read in. */
  readonly timeZone: string;
  /** Notifications an hour before the excess is deferred; null means the configured default. */
  readonly hourlyCap: number | null;
}

export type PersonKind = 'vendor' | 'client' | 'staff';

export interface Person {
  readonly kind: PersonKind;
  readonly id: string;
  readonly organizationId: string;
  readonly name: string;
  readonly email: string | null;
  readonly phone: string | null;
  /**
   * vendor: its roles on this wedding (photographer, venue, florist, planner, …);
   * client: ['couple']; staff: organization roles (owner, planner, coordinator, finance).
   */
  readonly roles: readonly string[];
  readonly preferences: Preferences;
  /** Staff only: their Slack user id (U…), invited to the organization's wedding channels. */
  readonly slackUserId?: string | null;
}

export interface TenantWebhookEndpoint {
  readonly id: string;
  readonly organizationId: string;
  readonly name: string;
  readonly url: string;
  /** whsec_ secrets, newest first. */
  readonly secrets: readonly string[];
  /** Notification kinds it subscribed to, or ['*']. */
  readonly eventTypes: readonly string[];
  readonly enabled: boolean;
  readonly rateLimitPerMinute: number;
}

/**
 * Everything decisions need about one change, read from Postgres. All of it belongs to one
 * organization: resolving a context for another organization's wedding is an error, not a result.
 */
export interface EventContext {
  readonly organization: Organization;
  readonly wedding: Wedding | null;
  /** The wedding's vendors (with their roles on it) and its couple, plus the organization's staff. */
  readonly people: readonly Person[];
  readonly webhookEndpoints: readonly TenantWebhookEndpoint[];
}

export type ContextMissReason = 'organization_not_found' | 'wedding_not_found' | 'wedding_in_other_organization';

export type ContextResult =
  | { readonly ok: true; readonly context: EventContext }
  | { readonly ok: false; readonly reason: ContextMissReason; readonly detail: string };

export interface ContextReference {
  readonly organizationId: string;
  /** Null for changes that concern the organization as a whole. */
  readonly weddingId: string | null;
}

export interface ContextRepository {
  resolve(reference: ContextReference): Promise<ContextResult>;
  /**
   * Forget what a change may have made stale (a vendor's phone, a preference). Called for every
   * change before it is decided on, so the next message uses the new data. Null: forget all.
   */
  invalidate(organizationId: string | null): void;
  close(): Promise<void>;
}
