import type { EscalationConfig } from '../config/escalation.schema';
import type { WeddingDayMode } from '../config/policy.schema';
import type { Delivery } from '../decide/delivery';
import type { DeliveryLedger, SqlPool } from '../deliver/durable/delivery-ledger';
import type { Logger } from '../lib/logger';
import { tierDeliveries, waitMs } from './escalation-policy';
import type { EscalationStore } from './escalation-store';

export interface EscalationTaskOptions {
  readonly pool: SqlPool;
  readonly store: EscalationStore;
  readonly ledger: DeliveryLedger;
  readonly config: EscalationConfig;
  readonly dayMode: WeddingDayMode;
  readonly logger: Logger;
  readonly now: () => number;
  /** Counted once per tier actually reached (metrics). */
  readonly onEscalated?: (tier: number, deliveries: number) => void;
}

export type EscalationOutcome = 'acknowledged' | 'escalated' | 'exhausted' | 'gone';

/**
 * What the `escalate` job does when its timer fires. In one transaction: lock the event's row
 * (a second replica waits, then finds it advanced), stop if someone acknowledged, otherwise queue
 * the next tier's deliveries in the ledger (the normal durable path, ids of their own) and arm
 * the next timer. graphile-worker runs a job on one worker at a time; the row lock and the
 * ledger's primary key make a re-run after a crash send nothing twice.
 */
export function createEscalationTask(options: EscalationTaskOptions) {
  const { pool, store, ledger, config, logger } = options;
  return async function runEscalation(payload: unknown): Promise<EscalationOutcome> {
    const eventId = (payload as { eventId?: unknown } | null)?.eventId;
    if (typeof eventId !== 'string') return 'gone';
    const client = await pool.connect();
    try {
      await client.query('begin');
      const row = await store.lock(client, eventId);
      if (!row || row.state !== 'waiting') {
        await client.query('commit');
        return row?.state === 'acknowledged' ? 'acknowledged' : 'gone';
      }
      const acked = await client.query(`select 1 from acknowledgements where event_id = $1`, [eventId]);
      if ((acked.rowCount ?? 0) > 0) {
        await store.cancel(client, eventId);
        await client.query('commit');
        return 'acknowledged';
      }
      const policy = config.policies.find((p) => p.name === row.policy);
      const tierIndex = row.tier; // tiers[0] is tier 1
      const tier = policy?.tiers[tierIndex];
      if (!policy || !tier || row.organizationId === null) {
        await store.advance(client, eventId, row.tier, null);
        await client.query('commit');
        logger.warn({ eventId, tier: row.tier, policy: row.policy }, 'escalation:exhausted');
        return 'exhausted';
      }
      const { rows: people } = await client.query<{ id: string }>(
        `select id from organization_staff where organization_id = $1 and role = any($2::text[]) order by created_at, id limit 20`,
        [row.organizationId, tier.roles],
      );
      const deliveries = tierDeliveries({
        eventId,
        organizationId: row.organizationId,
        weddingId: row.weddingId,
        kind: row.kind as Delivery['kind'],
        tier: tierIndex + 1,
        channel: tier.channel,
        people,
        content: row.content,
        policy: policy.name,
      });
      const fresh = await ledger.enqueue(deliveries, client, true);
      const hasNext = tierIndex + 1 < policy.tiers.length;
      const nowMs = options.now();
      await store.advance(client, eventId, tierIndex + 1, hasNext ? nowMs + waitMs(policy, row.content, nowMs, options.dayMode) : null);
      await client.query('commit');
      options.onEscalated?.(tierIndex + 1, fresh.length);
      logger.warn({ eventId, tier: tierIndex + 1, channel: tier.channel, deliveries: fresh.length, policy: policy.name, alert: true }, 'escalation:fired');
      return hasNext ? 'escalated' : 'exhausted';
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error; // graphile-worker retries the job: nothing of this run was kept
    } finally {
      client.release();
    }
  };
}
