import type { DeliveryMessage, NotificationContent } from '../channels/messages';
import type { ConnectionSummary } from '../connections/connection';
import type { Organization } from '../context/event-context';
import { slackAppCanPost } from '../context/slack-app-reach';
import type { Delivery, Recipient } from '../decide/delivery';
import { deliveryId } from '../intake/event-identity';
import type { ChannelKind, Priority } from '../vocabulary';

const PARTNER_LABEL: Readonly<Record<string, string>> = {
  'vsco-workspace': 'VSCO Workspace',
  'light-blue': 'Light Blue',
  'honeybook-zapier': 'HoneyBook (Zapier)',
  tripleseat: 'Tripleseat',
  'venue-webhook': 'venue webhook',
  slack: 'Slack app',
};

/**
 * The one message an organization's chat gets when a partner refused one of its connections:
 * Slack or Teams (the first of `order` it has a hook for, or for Slack an app with a default
 * channel, and this worker can send to), the other as fallback. High, not critical: nobody is paged by SMS for it, but it is not held
 * either. Its id comes from the connection and the moment its health last changed before the
 * stop, so the same stop planned twice (a retried send, another replica) is one delivery; a
 * later stop after the connection was fixed is another. Null when the organization has no chat.
 */
export function connectionStoppedAlert(
  connection: ConnectionSummary,
  reason: string,
  organization: Organization,
  order: readonly ChannelKind[],
  available: ReadonlySet<ChannelKind>,
  nowMs: number,
): Delivery | null {
  const hooks: Partial<Record<ChannelKind, string | null>> = { slack: organization.slackWebhookUrl, teams: organization.teamsWebhookUrl };
  // Without a hook, the Slack app's default channel; not when the app's own token is what was refused.
  const viaApp = connection.partner !== 'slack' && slackAppCanPost(organization.slackApp, { aboutWedding: false, digest: false });
  const reachable = (c: 'slack' | 'teams') => !!hooks[c] || (c === 'slack' && viaApp);
  const channels = order.filter((c): c is 'slack' | 'teams' => (c === 'slack' || c === 'teams') && reachable(c) && available.has(c));
  const [first, ...rest] = channels;
  if (!first) return null;
  const eventId = `cst_${deliveryId(connection.id, 'connection-stopped', String(connection.health.sinceMs)).slice('dlv_'.length)}`;
  const partner = PARTNER_LABEL[connection.partner] ?? connection.partner;
  const priority: Priority = { level: 'high', score: 70, reasons: ['a partner refused a connection: nothing more reaches it until someone fixes it'] };
  const content: NotificationContent = {
    kind: 'change.generic',
    eventId,
    title: `${partner} connection stopped`,
    summary: `${partner} refused the connection "${connection.name}": ${reason}. Nothing is sent to it until its credentials are renewed (check with: npm run cli -- connections test --id ${connection.id}).`,
    facts: [
      { label: 'Connection', value: connection.id },
      { label: 'Partner', value: partner },
    ],
    link: null,
    organization: { id: organization.id, name: organization.name },
    wedding: null,
    priority,
    occurredAt: new Date(nowMs).toISOString(),
  };
  const recipient: Recipient = { kind: 'organization', id: organization.id };
  const message = (channel: 'slack' | 'teams'): DeliveryMessage => {
    const webhookUrl = hooks[channel];
    return webhookUrl ? { channel, webhookUrl, content } : { channel: 'slack', content };
  };
  return {
    id: deliveryId(eventId, first, `organization:${organization.id}`),
    eventId,
    organizationId: organization.id,
    weddingId: null,
    kind: 'change.generic',
    channel: first,
    recipient,
    priority,
    notBeforeMs: null,
    deadlineMs: null,
    message: message(first),
    rateLimit: null,
    fallbacks: rest.map((c) => ({ recipient, message: message(c) })),
    notes: [],
    log: { table: 'partner_connections', operation: 'STOPPED', rule: 'connection-stopped' },
  };
}
