import type { NotificationContent } from '../channels/messages';
import type { EscalationConfig } from '../config/escalation.schema';
import type { WeddingDayMode } from '../config/policy.schema';
import type { Delivery } from '../decide/delivery';
import type { SqlClient } from '../deliver/durable/delivery-ledger';
import { matchPolicy, waitMs } from './escalation-policy';
import type { EscalationStore } from './escalation-store';

export interface EscalationTrackerOptions {
  readonly db: SqlClient;
  readonly store: EscalationStore;
  readonly config: EscalationConfig;
  readonly dayMode: WeddingDayMode;
  readonly now: () => number;
}

/**
 * Arms an escalation timer for every event among the planned deliveries that a policy covers,
 * once per event. Called before the deliveries are queued: a crash in between leaves a timer for
 * a message that may not have gone out, which escalates (the safe side), never the reverse.
 */
export function createEscalationTracker({ db, store, config, dayMode, now }: EscalationTrackerOptions) {
  return async function track(deliveries: readonly Delivery[]): Promise<number> {
    if (config.policies.length === 0) return 0;
    const seen = new Set<string>();
    let armed = 0;
    for (const d of deliveries) {
      if (seen.has(d.eventId)) continue;
      const policy = matchPolicy(config, d.kind, d.priority.level);
      const content = contentOf(d);
      if (!policy || !content || d.organizationId === null) continue;
      seen.add(d.eventId);
      const nowMs = now();
      const fresh = await store.track(db, {
        eventId: d.eventId,
        organizationId: d.organizationId,
        weddingId: d.weddingId,
        kind: d.kind,
        priority: d.priority.level,
        policy: policy.name,
        content,
        dueAtMs: nowMs + waitMs(policy, content, nowMs, dayMode),
        nowMs,
      });
      if (fresh) armed += 1;
    }
    return armed;
  };
}

function contentOf(delivery: Delivery): NotificationContent | null {
  const m = delivery.message;
  return 'content' in m ? m.content : null;
}
