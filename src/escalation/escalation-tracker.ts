import type { NotificationContent } from '../channels/messages';
import type { EscalationConfig } from '../config/escalation.schema';
import type { WeddingDayMode } from '../config/policy.schema';
import type { Delivery } from '../decide/delivery';
import type { SqlClient } from '../deliver/durable/delivery-ledger';
import { BatchedStatement } from '../lib/batched-statement';
import { isTransientDatabaseError } from '../lib/database-health';
import { matchPolicy, waitMs } from './escalation-policy';
import type { EscalationStore, TrackedEvent } from './escalation-store';

export interface EscalationTrackerOptions {
  readonly db: SqlClient;
  readonly store: EscalationStore;
  readonly config: EscalationConfig;
  readonly dayMode: WeddingDayMode;
  readonly now: () => number;
}

/** Changes whose timers one statement arms at most. */
const MAX_CHANGES_A_STATEMENT = 200;

/**
 * Arms an escalation timer for every event among the planned deliveries that a policy covers,
 * once per event. Called before the deliveries are queued: a crash in between leaves a timer for
 * a message that may not have gone out, which escalates (the safe side), never the reverse.
 *
 * The timers of changes decided at the same time are armed by one statement (as their deliveries
 * are persisted, batched-enqueue.ts): one a change was a commit and a NOTIFY each, serialized on
 * PostgreSQL's notify lock with every other job added (bench/ figure 11). Each change's promise
 * still settles only when its own timers are written.
 */
export function createEscalationTracker({ db, store, config, dayMode, now }: EscalationTrackerOptions) {
  const statement = new BatchedStatement<readonly TrackedEvent[], number>(
    async (changes) => {
      const fresh = await store.trackMany(db, changes.flat());
      // A new event counts for the first change that carried it.
      return changes.map((events) => events.filter((e) => fresh.delete(e.eventId)).length);
    },
    MAX_CHANGES_A_STATEMENT,
    (error) => !isTransientDatabaseError(error),
  );

  return async function track(deliveries: readonly Delivery[]): Promise<number> {
    if (config.policies.length === 0) return 0;
    const events = new Map<string, TrackedEvent>();
    for (const d of deliveries) {
      if (events.has(d.eventId)) continue;
      const policy = matchPolicy(config, d.kind, d.priority.level);
      const content = contentOf(d);
      if (!policy || !content || d.organizationId === null) continue;
      const nowMs = now();
      events.set(d.eventId, {
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
    }
    return events.size === 0 ? 0 : statement.add([...events.values()]);
  };
}

function contentOf(delivery: Delivery): NotificationContent | null {
  const m = delivery.message;
  return 'content' in m ? m.content : null;
}
