import type { RuleConfig } from './config/rules.schema';
import type { SubscriptionConfig } from './config/worker-config.schema';
import { CONTEXT_TABLES } from './context/context-queries';
import type { ContextMissReason, ContextRepository, ContextResult, EventContext } from './context/event-context';
import type { ConnectionSummary } from './connections/connection';
import { planPartnerDeliveries, type PartnerPlanInput } from './partners/plan-partners';
import type { Delivery } from './decide/delivery';
import type { HourlyCapTracker } from './decide/hourly-cap';
import { matchingRules } from './decide/match-rules';
import { planDeliveries, type PlanSettings } from './decide/plan';
import type { EventDeadLetters } from './deliver/dead-letters';
import type { ChangeEvent } from './intake/change-event';
import type { Logger } from './lib/logger';

export interface EventHandlerOptions {
  readonly subscriptions: readonly SubscriptionConfig[];
  /** Absent when no DATABASE_URL is set: only rules without tenant audiences can then act. */
  readonly contexts: ContextRepository | null;
  readonly settings: PlanSettings;
  readonly caps: HourlyCapTracker;
  readonly deadEvents: EventDeadLetters;
  /** Each change kept as a dead event, e.g. for a counter. */
  readonly onDeadEvent?: (reason: ContextMissReason) => void;
  /** Persists (durable queue) or starts (in memory) the deliveries; resolves once accepted. */
  readonly submit: (deliveries: readonly Delivery[]) => Promise<void>;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Partner connections (CONNECTION_KEYS set, with a database); absent: partner audiences reach nobody. */
  readonly partners?: Pick<PartnerPlanInput, 'limitFor'> & { connectionsFor(organizationId: string): Promise<readonly ConnectionSummary[]> };
}

/**
 * The decide stage around the pure planner: keep the context cache honest, read the context,
 * plan, log the decision, hand the deliveries on. A change whose tenant cannot be found becomes
 * a dead letter with the reason; it is never dropped in silence.
 */
export function createEventHandler(options: EventHandlerOptions): (event: ChangeEvent) => Promise<void> {
  const { contexts, settings, logger, deadEvents } = options;
  const now = options.now ?? Date.now;
  const subscriptions = new Map(options.subscriptions.map((s) => [s.name, s]));

  return async function handle(event: ChangeEvent): Promise<void> {
    const subscription = subscriptions.get(event.subscription);
    const row = event.record ?? event.oldRecord ?? {};
    const organizationId = idOf(row[subscription?.organizationIdColumn ?? 'organization_id']);
    // A change to a table the context is read from may make cached people, preferences or
    // endpoints stale: forget before deciding. Any other change (a form response) keeps the cache.
    if (CONTEXT_TABLES.has(event.table)) contexts?.invalidate(organizationId);
    const log = logger.child({ eventId: event.id, table: event.table, operation: event.operation });

    const rules = matchingRules(event, settings.rules);
    if (rules.length === 0) {
      log.debug('no rule matched');
      return;
    }
    let context: EventContext | null = null;
    // Rules that only name file endpoints need no tenant; the rest need the change's context.
    const needsContext = rules.some((rule) => rule.audiences.some((a) => a.type !== 'endpoint'));
    if (contexts && needsContext) {
      const weddingColumn = subscription?.weddingIdColumn;
      const weddingId = weddingColumn ? idOf(row[weddingColumn]) : null;
      const result: ContextResult = organizationId
        ? await contexts.resolve({ organizationId, weddingId })
        : { ok: false, reason: 'organization_not_found', detail: `the change carries no ${subscription?.organizationIdColumn ?? 'organization_id'} (a DELETE needs REPLICA IDENTITY FULL)` };
      if (!result.ok) {
        log.error({ reason: result.reason, detail: result.detail, deadLetter: true }, 'change not decidable: context missing');
        await deadEvents.record(event, `${result.reason}: ${result.detail}`);
        options.onDeadEvent?.(result.reason);
        return;
      }
      context = result.context;
    }

    const planned = planDeliveries(event, context, settings, now(), options.caps);
    const plan = { ...planned, deliveries: [...planned.deliveries, ...(await partnerDeliveries(options, event, rules, planned.decisions, context))] };
    // Persisted (or started) first: "decided" in the log means the deliveries cannot be lost.
    if (plan.deliveries.length > 0) await options.submit(plan.deliveries);
    log.info(
      {
        organizationId: context?.organization.id,
        weddingId: context?.wedding?.id,
        decisions: plan.decisions.map((d) => ({ rule: d.rule, kind: d.kind, priority: d.priority.level, score: d.priority.score, reasons: d.priority.reasons })),
        deliveries: plan.deliveries.length,
      },
      'change decided',
    );
    for (const delivery of plan.deliveries) {
      if (delivery.notes.length > 0) log.info({ deliveryId: delivery.id, channel: delivery.channel, notes: delivery.notes }, 'preferences applied');
    }
  };
}

/** The partner deliveries of a change to a wedding, when a matched rule reaches partner connections. */
async function partnerDeliveries(options: EventHandlerOptions, event: ChangeEvent, rules: readonly RuleConfig[], decisions: PartnerPlanInput['decisions'], context: EventContext | null) {
  const wanted = rules.filter((r) => r.audiences.some((a) => a.type === 'partner_connections'));
  if (!options.partners || !context?.wedding || wanted.length === 0) return [];
  const organizationId = context.organization.id;
  const connections = await options.partners.connectionsFor(organizationId);
  return planPartnerDeliveries({ event, rules: wanted, decisions, organizationId, weddingId: context.wedding.id, connections, limitFor: options.partners.limitFor });
}

function idOf(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : typeof value === 'number' ? String(value) : null;
}
