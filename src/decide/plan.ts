import type { DeliveryMessage, NotificationContent } from '../channels/messages';
import type { ChannelKind, NotificationKind, Priority } from '../vocabulary';
import type { Delivery, Fallback, Recipient } from './delivery';
import { digestTiming, type Timing } from './digest-timing';
import type { Config, ResolvedWebhookEndpoint } from '../config/load-config';
import type { ChannelsByLevel, FailoverPolicy, PriorityPolicy, WeddingDayMode } from '../config/policy.schema';
import type { RuleConfig } from '../config/rules.schema';
import type { EventContext, Organization, Person } from '../context/event-context';
import { slackAppCanPost } from '../context/slack-app-reach';
import type { ChangeEvent } from '../intake/change-event';
import { deliveryId } from '../intake/event-identity';
import { quietWindowEnd } from '../lib/zoned-time';
import { resolveAudience } from './audience';
import { buildContent } from './content';
import { inDayMode } from './day-mode';
import { matchingRules } from './match-rules';
import { channelsFor, personMessage, reachable } from './person-channels';
import { HourlyCapTracker } from './hourly-cap';
import { assessPriority, insideWeddingWindow, levelRank } from './priority';
import { webhookBody } from './webhook-body';

export interface PlanSettings {
  readonly rules: readonly RuleConfig[];
  readonly priority: PriorityPolicy;
  readonly channelsByLevel: ChannelsByLevel;
  readonly failover: FailoverPolicy;
  readonly configEndpoints: ReadonlyMap<string, ResolvedWebhookEndpoint>;
  readonly tenantWebhookTimeoutMs: number;
  readonly appBaseUrl: string | null;
  /** Channels that are configured in this process; others are never planned. */
  readonly availableChannels: ReadonlySet<ChannelKind>;
  readonly defaultHourlyCap: number;
  readonly weddingDayMode: WeddingDayMode;
  /** Normal and low messages held by quiet hours or the cap become digests (src/deliver/digest/). */
  readonly digests?: boolean;
  /** Organizations' Slack app connections can be sent through (CONNECTION_KEYS): one with no webhook is still reached. */
  readonly slackApps?: boolean;
}

/**
 * The planner's settings from the worker's config and the channels this process has configured.
 * Digests need the durable queue (`durable`): held messages wait in PostgreSQL.
 */
export function planSettingsFrom(worker: Config['worker'], availableChannels: ReadonlySet<ChannelKind>, durable = false, slackApps = false): PlanSettings {
  return {
    rules: worker.rules,
    priority: worker.priority,
    channelsByLevel: worker.channelsByLevel,
    failover: worker.failover,
    configEndpoints: new Map(worker.webhookEndpoints.map((e) => [e.name, e])),
    tenantWebhookTimeoutMs: worker.limits.tenantWebhookTimeoutMs,
    appBaseUrl: worker.content.appBaseUrl,
    availableChannels,
    defaultHourlyCap: worker.preferences.defaultHourlyCap,
    weddingDayMode: worker.preferences.weddingDayMode,
    digests: durable && worker.preferences.digests.enabled,
    slackApps,
  };
}

export interface Decision {
  readonly rule: string;
  readonly kind: NotificationKind;
  readonly priority: Priority;
}

export interface Plan {
  readonly decisions: readonly Decision[];
  readonly deliveries: readonly Delivery[];
}

interface Scope {
  readonly event: ChangeEvent;
  readonly rule: RuleConfig;
  readonly priority: Priority;
  readonly content: NotificationContent;
  readonly organizationId: string | null;
  readonly weddingId: string | null;
  readonly nowMs: number;
  /** Quiet hours and caps do not hold it back: critical, or high inside the wedding's window. */
  readonly bypassesPreferences: boolean;
  /** The change is about a wedding in its day mode: its people's quiet hours are lifted. */
  readonly dayMode: boolean;
  readonly criticalDeadlineMs: number;
  /** The partner webhook body, the same for every endpoint the rule reaches: built once, on demand. */
  readonly webhookBody: () => string;
}

/**
 * Everything one change should cause: for each matching rule, its kind and priority, and one
 * delivery per (recipient, channel). Pure: the context and the clock are inputs. When two rules
 * reach the same recipient on the same channel, one delivery remains, at the higher priority.
 */
export function planDeliveries(
  event: ChangeEvent,
  context: EventContext | null,
  settings: PlanSettings,
  nowMs: number,
  caps: HourlyCapTracker = new HourlyCapTracker(),
): Plan {
  const decisions: Decision[] = [];
  const planned = new Map<string, Delivery>();
  // One notification per person per change, however many rules reach them: book the cap once.
  const timings = new Map<string, Timing>();
  const organizationId = context?.organization.id ?? null;
  const weddingId = context?.wedding?.id ?? null;
  const wedding = context?.wedding ?? null;
  const inWindow = insideWeddingWindow(wedding, nowMs, settings.priority);
  const dayMode = inDayMode(wedding, nowMs, settings.weddingDayMode);
  for (const rule of matchingRules(event, settings.rules)) {
    const kind = rule.kind;
    const priority = assessPriority({ kind, event, wedding, ruleLevel: rule.priority, policy: settings.priority, nowMs });
    decisions.push({ rule: rule.name, kind, priority });
    const content = buildContent(kind, event, context, priority, settings.appBaseUrl);
    let body: string | undefined;
    const scope: Scope = {
      event,
      rule,
      priority,
      content,
      organizationId,
      weddingId,
      nowMs,
      bypassesPreferences: priority.level === 'critical' || (priority.level === 'high' && inWindow),
      dayMode,
      criticalDeadlineMs: settings.failover.criticalDeadlineMs,
      webhookBody: () => (body ??= webhookBody(event, kind, priority, { organizationId, weddingId })),
    };
    const wanted = rule.channels ?? settings.channelsByLevel[priority.level];
    const audience = resolveAudience(rule.audiences, event, kind, context);
    const add = (delivery: Delivery) => {
      const existing = planned.get(delivery.id);
      if (!existing || levelRank(delivery.priority.level) > levelRank(existing.priority.level)) planned.set(delivery.id, delivery);
    };
    for (const person of audience.people) planForPerson(scope, person, wanted, settings, caps, timings).forEach(add);
    for (const endpoint of audience.tenantEndpoints) {
      const message = webhookMessage(scope, endpoint.url, endpoint.secrets, settings.tenantWebhookTimeoutMs);
      const limit = { max: endpoint.rateLimitPerMinute, perMs: 60_000, maxConcurrent: 8 };
      // A partner system down on a critical change: the organization's own chat hears instead.
      const fallbacks = scope.priority.level === 'critical' && context ? chatFallbacks(scope, context, settings) : [];
      add({ ...delivery(scope, { kind: 'endpoint', id: endpoint.id }, message, fallbacks, []), rateLimit: limit });
    }
    for (const name of audience.configEndpoints) {
      const endpoint = settings.configEndpoints.get(name);
      if (!endpoint) continue;
      const message = webhookMessage(scope, endpoint.url, endpoint.secrets, endpoint.timeoutMs);
      add({ ...delivery(scope, { kind: 'endpoint', id: `config:${name}` }, message, [], []), rateLimit: endpoint.rateLimit });
    }
    // The organization's chat hears what its people hear; a rule for partner systems alone does not post.
    const reachesPeople = rule.audiences.some((a) => a.type !== 'webhook_endpoints' && a.type !== 'endpoint' && a.type !== 'partner_connections');
    if (context && reachesPeople) planForChat(scope, context, wanted, settings).forEach(add);
  }
  return { decisions, deliveries: [...planned.values()] };
}


function planForPerson(
  scope: Scope,
  person: Person,
  wanted: readonly ChannelKind[],
  settings: PlanSettings,
  caps: HourlyCapTracker,
  timings: Map<string, Timing>,
): Delivery[] {
  const critical = scope.priority.level === 'critical';
  const channels = channelsFor(person, wanted, settings.availableChannels, critical ? settings.failover.person : ['in_app']);
  if (channels.length === 0) return [];
  const key = `${person.kind}:${person.id}`;
  const personTiming = timings.get(key) ?? timing(scope, person, settings, caps);
  timings.set(key, personTiming);
  const { notBeforeMs, notes } = personTiming;
  // Timing is shared by the rules that reach the person; a digest only ever carries normal and low.
  const digest = scope.priority.level === 'normal' || scope.priority.level === 'low' ? personTiming.digest : undefined;
  const recipient: Recipient = { kind: person.kind, id: person.id };
  return channels.flatMap((channel) => {
    const message = personMessage(person, channel, scope.content, scope.weddingId);
    if (!message) return [];
    const chain = critical
      ? nextInChain(settings.failover.person, channel).filter((c) => !channels.includes(c) && settings.availableChannels.has(c) && reachable(person, c))
      : [];
    const fallbacks = chain
      .map((c) => personMessage(person, c, scope.content, scope.weddingId))
      .filter((m): m is DeliveryMessage => m !== null)
      .map((m) => ({ recipient, message: m }));
    return [{ ...delivery(scope, recipient, message, fallbacks, notes), notBeforeMs, ...(digest ? { digest } : {}) }];
  });
}

/**
 * When a person may be told: quiet hours (in their zone) and the hourly cap defer ordinary
 * messages; a critical one, or a high one inside the wedding's window, goes now, and the notes say
 * what it overrode.
 */
function timing(scope: Scope, person: Person, settings: PlanSettings, caps: HourlyCapTracker): Timing {
  const notes: string[] = [];
  const level = scope.priority.level;
  const quiet = person.preferences.quietHours;
  let quietEnd = quiet ? quietWindowEnd(scope.nowMs, quiet, person.preferences.timeZone) : null;
  if (quietEnd !== null && scope.dayMode && !scope.bypassesPreferences) {
    notes.push('quiet hours lifted: wedding-day mode');
    quietEnd = null;
  }
  const key = `${person.kind}:${person.id}`;
  const cap = person.preferences.hourlyCap ?? settings.defaultHourlyCap;
  if (scope.bypassesPreferences) {
    const why = level === 'critical' ? 'critical' : 'high on the wedding day';
    if (quietEnd !== null) notes.push(`quiet hours bypassed: ${why}`);
    if (caps.wouldExceed(key, scope.nowMs, cap)) notes.push(`hourly cap of ${cap} bypassed: ${why}`);
    return { notBeforeMs: null, notes };
  }
  // Day mode lifts digests with the quiet hours: what the cap holds then comes one by one, as soon as it may.
  if (settings.digests && !scope.dayMode && (level === 'normal' || level === 'low')) return digestTiming(scope.nowMs, key, quietEnd, cap, caps, notes);
  const earliest = quietEnd ?? scope.nowMs;
  if (quietEnd !== null) notes.push(`deferred by quiet hours until ${new Date(quietEnd).toISOString()}`);
  const slot = caps.admit(key, earliest, cap, scope.nowMs);
  if (slot > earliest) notes.push(`deferred by the hourly cap of ${cap} until ${new Date(slot).toISOString()}`);
  return { notBeforeMs: slot > scope.nowMs ? slot : null, notes };
}

function planForChat(scope: Scope, context: EventContext, wanted: readonly ChannelKind[], settings: PlanSettings): Delivery[] {
  const org = context.organization;
  const chatMessage = (channel: ChannelKind) => chatMessageFor(org, channel, scope.content, settings);
  const usable = (c: ChannelKind) => settings.availableChannels.has(c) && chatMessage(c) !== null;
  let channels = wanted.filter(usable);
  // An organization on Teams rather than Slack still hears what "Slack" would have told it.
  if (channels.length === 0 && wanted.some((c) => c === 'slack' || c === 'teams')) {
    channels = settings.failover.organization.filter(usable).slice(0, 1);
  }
  const recipient: Recipient = { kind: 'organization', id: org.id };
  return channels.map((channel) => {
    const fallbacks =
      scope.priority.level === 'critical'
        ? nextInChain(settings.failover.organization, channel)
            .filter((c) => !channels.includes(c) && settings.availableChannels.has(c))
            .map(chatMessage)
            .filter((m): m is DeliveryMessage => m !== null)
            .map((m) => ({ recipient, message: m }))
        : [];
    return delivery(scope, recipient, chatMessage(channel)!, fallbacks, []);
  });
}

function chatFallbacks(scope: Scope, context: EventContext, settings: PlanSettings): Fallback[] {
  const org = context.organization;
  const recipient: Recipient = { kind: 'organization', id: org.id };
  return settings.failover.organization.flatMap((channel) => {
    const message = settings.availableChannels.has(channel) ? chatMessageFor(org, channel, scope.content, settings) : null;
    return message ? [{ recipient, message }] : [];
  });
}

/**
 * The organization's chat message on `channel`, or null when it cannot be reached there: Slack
 * through its incoming webhook, else through its Slack app when the app has a channel for this
 * message (the wedding's own, or its default); Teams through its webhook. The app message
 * carries no address: which channel it is posted to is read at send time, like a hook URL.
 */
function chatMessageFor(org: Organization, channel: ChannelKind, content: NotificationContent, settings: PlanSettings): DeliveryMessage | null {
  if (channel === 'teams') return org.teamsWebhookUrl ? { channel, webhookUrl: org.teamsWebhookUrl, content } : null;
  if (channel !== 'slack') return null;
  if (org.slackWebhookUrl) return { channel, webhookUrl: org.slackWebhookUrl, content };
  const app = settings.slackApps ? org.slackApp : undefined;
  return slackAppCanPost(app, { aboutWedding: content.wedding !== null, digest: content.digest !== undefined }) ? { channel, content } : null;
}

/** The chain after `channel`; the whole chain when the channel is not part of it. */
function nextInChain(chain: readonly ChannelKind[], channel: ChannelKind): ChannelKind[] {
  const at = chain.indexOf(channel);
  return at === -1 ? [...chain] : chain.slice(at + 1);
}

function webhookMessage(scope: Scope, url: string, secrets: readonly string[], timeoutMs: number): DeliveryMessage {
  return { channel: 'webhook', url, secrets, timeoutMs, body: scope.webhookBody() };
}

function delivery(scope: Scope, recipient: Recipient, message: DeliveryMessage, fallbacks: Fallback[], notes: string[]): Delivery {
  return {
    id: deliveryId(scope.event.id, message.channel, `${recipient.kind}:${recipient.id}`),
    eventId: scope.event.id,
    organizationId: scope.organizationId,
    weddingId: scope.weddingId,
    kind: scope.rule.kind,
    channel: message.channel,
    recipient,
    priority: scope.priority,
    notBeforeMs: null,
    deadlineMs: scope.priority.level === 'critical' ? scope.nowMs + scope.criticalDeadlineMs : null,
    message,
    rateLimit: null,
    fallbacks,
    notes,
    log: { table: scope.event.table, operation: scope.event.operation, rule: scope.rule.name },
  };
}
