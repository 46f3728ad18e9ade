import type { EventContext } from '../context/event-context';
import type { ChangeEvent, Row } from '../intake/change-event';
import { boundedText } from './bounded-text';
import { changedColumns } from './match-rules';
import type { Fact, NotificationContent } from '../channels/messages';
import type { NotificationKind, Priority } from '../vocabulary';

interface Wording {
  readonly title: string;
  readonly summary: string;
  readonly facts: Fact[];
}

/**
 * The words of a notification, per kind, from the row and its context. Values are copied as
 * they are: escaping belongs to each channel, which knows its own format. Pure.
 */
export function buildContent(
  kind: NotificationKind,
  event: ChangeEvent,
  context: EventContext | null,
  priority: Priority,
  appBaseUrl: string | null,
): NotificationContent {
  const row: Row = event.record ?? event.oldRecord ?? {};
  const wedding = context?.wedding ?? null;
  const couple = boundedText(wedding?.coupleName ?? 'the couple');
  const wording = WORDING[kind]({ row, old: event.oldRecord ?? {}, couple, event });
  const weddingFacts: Fact[] = wedding
    ? [
        { label: 'Couple', value: couple },
        { label: 'Wedding date', value: wedding.date },
        ...(wedding.venueName ? [{ label: 'Venue', value: boundedText(wedding.venueName) }] : []),
      ]
    : [];
  return {
    kind,
    eventId: event.id,
    title: boundedText(wording.title),
    summary: boundedText(wording.summary),
    facts: [...wording.facts, ...weddingFacts.filter((f) => !wording.facts.some((w) => w.label === f.label))],
    link: appBaseUrl && wedding ? `${appBaseUrl.replace(/\/$/, '')}/weddings/${encodeURIComponent(wedding.id)}` : null,
    organization: context ? { id: context.organization.id, name: boundedText(context.organization.name) } : { id: '', name: '' },
    wedding: wedding ? { id: wedding.id, coupleName: couple, date: wedding.date, timeZone: wedding.timeZone } : null,
    priority,
    occurredAt: event.commitTimestamp,
  };
}

type WordingInput = { row: Row; old: Row; couple: string; event: ChangeEvent };

const text = (value: unknown, fallback = ''): string =>
  boundedText(value === null || value === undefined ? fallback : typeof value === 'object' ? JSON.stringify(value) : String(value));

function money(row: Row): string {
  const cents = Number(row.amount_cents);
  if (!Number.isFinite(cents)) return 'an amount';
  const currency = typeof row.currency === 'string' && /^[A-Z]{3}$/.test(row.currency) ? row.currency : 'USD';
  return currencyFormat(currency).format(cents / 100);
}

// A NumberFormat costs far more to build than to use; ISO currency codes are a small set.
const currencyFormats = new Map<string, Intl.NumberFormat>();
function currencyFormat(currency: string): Intl.NumberFormat {
  let format = currencyFormats.get(currency);
  if (!format) currencyFormats.set(currency, (format = new Intl.NumberFormat('en-US', { style: 'currency', currency })));
  return format;
}

const WORDING: Readonly<Record<NotificationKind, (input: WordingInput) => Wording>> = {
  'wedding.date_changed': ({ row, old, couple }) => ({
    title: 'Wedding date changed',
    summary: `The wedding of ${couple} moved from ${text(old.wedding_date, 'an earlier date')} to ${text(row.wedding_date)}.`,
    facts: [
      { label: 'New date', value: text(row.wedding_date) },
      { label: 'Previous date', value: text(old.wedding_date, 'unknown') },
    ],
  }),
  'wedding.updated': ({ couple, event }) => ({
    title: 'Wedding details updated',
    summary: `Details of the wedding of ${couple} changed.`,
    facts: [{ label: 'Changed', value: changedColumns(event).join(', ') || event.operation.toLowerCase() }],
  }),
  'wedding.emergency': ({ row, couple }) => ({
    title: `Emergency: ${text(row.message, 'see the app')}`,
    summary: `An emergency was raised for the wedding of ${couple}: ${text(row.message)}`,
    facts: [
      { label: 'Severity', value: text(row.severity, 'emergency') },
      { label: 'Raised by', value: text(row.raised_by, 'unknown') },
    ],
  }),
  'form.response_received': ({ row, couple }) => ({
    title: `New form response: ${text(row.form_name, 'form')}`,
    summary: `${couple} answered "${text(row.form_name, 'a form')}".`,
    facts: [{ label: 'Form', value: text(row.form_name) }],
  }),
  'journey.milestone_reached': ({ row, couple }) => ({
    title: `Milestone reached: ${text(row.milestone)}`,
    summary: `The wedding of ${couple} reached "${text(row.milestone)}".`,
    facts: [{ label: 'Milestone', value: text(row.milestone) }],
  }),
  'payment.received': ({ row, couple }) => ({
    title: 'Payment received',
    summary: `${money(row)} received for the wedding of ${couple}.`,
    facts: [{ label: 'Amount', value: money(row) }],
  }),
  'payment.failed': ({ row, couple }) => ({
    title: 'Payment failed',
    summary: `A payment of ${money(row)} for the wedding of ${couple} failed${row.failure_reason ? `: ${text(row.failure_reason)}` : ''}.`,
    facts: [
      { label: 'Amount', value: money(row) },
      { label: 'Reason', value: text(row.failure_reason, 'not given') },
    ],
  }),
  'timeline.updated': ({ row, couple }) => ({
    title: `Timeline updated: ${text(row.title, 'an item')}`,
    summary: `"${text(row.title)}" in the timeline of ${couple} changed.`,
    facts: [
      { label: 'Item', value: text(row.title) },
      { label: 'Starts', value: text(row.starts_at, 'not set') },
    ],
  }),
  'client.profile_updated': ({ row, event }) => ({
    title: 'Client profile updated',
    summary: `${text(row.name, 'A client')} updated their profile.`,
    facts: [{ label: 'Changed', value: changedColumns(event).filter((c) => c !== 'updated_at').join(', ') || 'details' }],
  }),
  'change.generic': ({ event }) => ({
    title: `${event.table} ${event.operation.toLowerCase()}`,
    summary: `A row of ${event.table} was ${event.operation === 'INSERT' ? 'added' : event.operation === 'UPDATE' ? 'changed' : 'removed'}.`,
    facts: [],
  }),
};
