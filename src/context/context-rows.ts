import { type ChannelKind, channelKinds } from '../vocabulary';
import type { Organization, Person, PersonKind, Preferences, TenantWebhookEndpoint, Wedding } from './event-context';

// Rows as the query in context-queries.ts returns them (snake_case JSON, dates and times already
// formatted as text by PostgreSQL), and their mapping to the context types.

export interface OrganizationRow {
  readonly id: string;
  readonly name: string;
  readonly time_zone: string;
  readonly slack_webhook_url: string | null;
  readonly teams_webhook_url: string | null;
  /** The newest enabled `slack` connection's options, or null (partner_connections, no credentials). */
  readonly slack_app: { readonly wedding_channels: boolean; readonly default_channel: string | null } | null;
}

export interface WeddingRow {
  readonly id: string;
  readonly organization_id: string;
  readonly couple_name: string;
  /** YYYY-MM-DD */
  readonly wedding_date: string;
  readonly time_zone: string;
  readonly venue_name: string | null;
  readonly status: string;
}

export interface PersonRow {
  readonly kind: PersonKind;
  readonly id: string;
  readonly organization_id: string;
  readonly name: string;
  readonly email: string | null;
  readonly phone: string | null;
  readonly roles: string[];
  /** Staff only; null for vendors and clients. */
  readonly slack_user_id: string | null;
  /** The preference columns are all null when the person has no preferences row. */
  readonly opt_out_channels: string[] | null;
  readonly quiet_hours_start: string | null;
  readonly quiet_hours_end: string | null;
  readonly time_zone: string | null;
  readonly hourly_cap: number | null;
}

export interface EndpointRow {
  readonly id: string;
  readonly organization_id: string;
  readonly name: string;
  readonly url: string;
  readonly secret: string;
  readonly event_types: string[];
  readonly enabled: boolean;
  readonly rate_limit_per_minute: number;
}

const zoneValidity = new Map<string, boolean>();

/**
 * Decisions compute "wedding day" and quiet hours with these zones, and an unknown zone makes
 * Intl throw there; a bad value in tenant data falls back to the next zone in line instead.
 */
export function validTimeZone(zone: string | null | undefined): string | null {
  if (!zone) return null;
  let valid = zoneValidity.get(zone);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      valid = true;
    } catch {
      valid = false;
    }
    if (zoneValidity.size < 1000) zoneValidity.set(zone, valid);
  }
  return valid ? zone : null;
}

export function toOrganization(row: OrganizationRow, defaultTimeZone: string): Organization {
  return {
    id: row.id,
    name: row.name,
    timeZone: validTimeZone(row.time_zone) ?? defaultTimeZone,
    slackWebhookUrl: row.slack_webhook_url,
    teamsWebhookUrl: row.teams_webhook_url,
    ...(row.slack_app ? { slackApp: { defaultChannel: row.slack_app.default_channel, weddingChannels: row.slack_app.wedding_channels } } : {}),
  };
}

export function toWedding(row: WeddingRow, organization: Organization): Wedding {
  return {
    id: row.id,
    organizationId: row.organization_id,
    coupleName: row.couple_name,
    date: row.wedding_date,
    timeZone: validTimeZone(row.time_zone) ?? organization.timeZone,
    venueName: row.venue_name,
    status: row.status,
  };
}

const knownChannels: ReadonlySet<string> = new Set(channelKinds);

function toPreferences(row: PersonRow, fallbackTimeZone: string): Preferences {
  const quietHours =
    row.quiet_hours_start !== null && row.quiet_hours_end !== null ? { start: row.quiet_hours_start, end: row.quiet_hours_end } : null;
  return {
    optOutChannels: (row.opt_out_channels ?? []).filter((c): c is ChannelKind => knownChannels.has(c)),
    quietHours,
    timeZone: validTimeZone(row.time_zone) ?? fallbackTimeZone,
    hourlyCap: row.hourly_cap,
  };
}

/** `fallbackTimeZone`: the wedding's zone, else the organization's. */
export function toPerson(row: PersonRow, fallbackTimeZone: string): Person {
  return {
    kind: row.kind,
    id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    roles: row.roles,
    preferences: toPreferences(row, fallbackTimeZone),
    ...(row.slack_user_id ? { slackUserId: row.slack_user_id } : {}),
  };
}

export function toEndpoint(row: EndpointRow): TenantWebhookEndpoint {
  return {
    id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    url: row.url,
    secrets: row.secret.split(/\s+/).filter((s) => s !== ''),
    eventTypes: row.event_types,
    enabled: row.enabled,
    rateLimitPerMinute: row.rate_limit_per_minute,
  };
}
