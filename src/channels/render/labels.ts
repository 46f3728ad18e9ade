import type { NotificationContent } from '../messages';
import { oneLine } from './text';

export type PriorityLevel = NotificationContent['priority']['level'];

export const PRIORITY_LABEL: Readonly<Record<PriorityLevel, string>> = {
  critical: 'Critical',
  high: 'High',
  normal: 'Normal',
  low: 'Low',
};

/** A word that leads the message when it must stand out; empty for normal and low. */
export function urgencyMarker(level: PriorityLevel): string {
  return level === 'critical' ? 'URGENT' : level === 'high' ? 'Important' : '';
}

// Built once: constructing an Intl.DateTimeFormat costs tens of µs, and every email (HTML and
// text), SMS, Slack and Teams message formats a date (~6 % of the worker's CPU in bench/ figure 8).
const DATE_FORMATS = {
  long: new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }),
  short: new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }),
} as const;

/** "Saturday, 20 June 2026" (long) or "Sat, 20 Jun 2026" (short); the stored text if it is no date. */
export function formatWeddingDate(date: string, style: 'long' | 'short' = 'long'): string {
  // A wedding date is a calendar day, not an instant: format it at noon UTC so no zone shifts it.
  const instant = /^\d{4}-\d{2}-\d{2}$/.test(date) ? new Date(`${date}T12:00:00Z`) : new Date(Number.NaN);
  if (Number.isNaN(instant.getTime())) return oneLine(date);
  return DATE_FORMATS[style].format(instant);
}

/** Who the notification is about: the couple when there is a wedding, else the organization. */
export function subjectName(content: NotificationContent): string {
  return oneLine(content.wedding?.coupleName ?? '') || oneLine(content.organization.name) || 'your workspace';
}
