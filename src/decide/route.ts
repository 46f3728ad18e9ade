import type { Config } from '../config/load-config';
import type { RuleConfig } from '../config/worker-config.schema';
import type { ChangeEvent } from '../intake/change-event';
import { deliveryId } from '../intake/event-identity';
import type { Delivery } from '../deliver/delivery';
import { LEVEL_SCORES, type Priority } from './priority';

type WorkerSettings = Config['worker'];

/** Rules whose match clause fits the event. Pure. */
export function matchingRules(event: ChangeEvent, rules: readonly RuleConfig[]): RuleConfig[] {
  return rules.filter((rule) => {
    const m = rule.match;
    if (m.table !== event.table || m.schema !== event.schema || !m.events.includes(event.operation)) return false;
    if (!m.changedColumns) return true;
    return event.operation === 'UPDATE' && m.changedColumns.some((column) => columnChanged(event, column));
  });
}

function columnChanged(event: ChangeEvent, column: string): boolean {
  // Without REPLICA IDENTITY FULL the old row holds only the key: a missing column counts as changed.
  if (!event.oldRecord || !(column in event.oldRecord)) return true;
  return JSON.stringify(event.record?.[column]) !== JSON.stringify(event.oldRecord[column]);
}

/**
 * Plans the deliveries for an event: one per (rule target), deduplicated by delivery id so two
 * rules naming the same endpoint send once, at the higher priority. Pure.
 */
export function planDeliveries(event: ChangeEvent, settings: WorkerSettings): Delivery[] {
  const endpoints = new Map(settings.webhookEndpoints.map((e) => [e.name, e]));
  const planned = new Map<string, Delivery>();
  for (const rule of matchingRules(event, settings.rules)) {
    const priority: Priority = { level: rule.priority, score: LEVEL_SCORES[rule.priority], reasons: [`rule ${rule.name}`] };
    for (const target of rule.deliver) {
      const endpoint = endpoints.get(target.endpoint);
      if (!endpoint) continue; // config validation guarantees it exists
      const id = deliveryId(event.id, 'webhook', endpoint.name);
      const existing = planned.get(id);
      if (existing && existing.priority.score >= priority.score) continue;
      planned.set(id, {
        id,
        eventId: event.id,
        channel: 'webhook',
        destination: endpoint.name,
        priority,
        message: { channel: 'webhook', url: endpoint.url, secrets: endpoint.secrets, timeoutMs: endpoint.timeoutMs, body: webhookBody(event, priority) },
        log: { table: event.table, operation: event.operation, rule: rule.name },
      });
    }
  }
  return [...planned.values()];
}

/** Standard Webhooks' recommended envelope: { type, timestamp, data }. */
export function webhookBody(event: ChangeEvent, priority: Priority): string {
  return JSON.stringify({
    type: `${event.table}.${event.operation.toLowerCase()}`,
    timestamp: event.commitTimestamp,
    data: {
      event_id: event.id,
      schema: event.schema,
      table: event.table,
      operation: event.operation,
      commit_timestamp: event.commitTimestamp,
      primary_key: event.primaryKey,
      record: event.record,
      old_record: event.oldRecord,
      priority: { level: priority.level, score: priority.score, reasons: priority.reasons },
    },
  });
}
