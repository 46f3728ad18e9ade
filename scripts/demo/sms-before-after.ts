import type { Pool } from 'pg';
import type { Config } from '../../src/config/load-config';
import { createPgContextRepository } from '../../src/context/pg-context-repository';
import { HourlyCapTracker } from '../../src/decide/hourly-cap';
import { planDeliveries, type PlanSettings } from '../../src/decide/plan';
import type { ChangeEvent } from '../../src/intake/change-event';
import { notificationKinds } from '../../src/vocabulary';

interface OutboxRow {
  id: string;
  source_table: string;
  operation: ChangeEvent['operation'];
  record: Record<string, unknown> | null;
  old_record: Record<string, unknown> | null;
  changed_at: Date;
}

/**
 * How many SMS the scenario's changes plan under the shipped rules ("after") and under the old
 * rule, every change on the wedding day critical ("before"): the same planner, the scenario's
 * changes from the outbox (those after `afterOutboxId`; the seed's came before), the same contexts, each at the instant its change was made; only the priority
 * policy differs (raise by three levels, every ceiling critical).
 */
export async function smsBeforeAfter(pool: Pool, worker: Config['worker'], settings: PlanSettings, afterOutboxId: string): Promise<{ before: number; after: number }> {
  const contexts = createPgContextRepository({ pool, cache: { maxEntries: 100, ttlMs: 60_000 } });
  const everyCeilingCritical = Object.fromEntries(notificationKinds.map((kind) => [kind, 'critical'])) as PlanSettings['priority']['weddingDayCeilings'];
  const old: PlanSettings = { ...settings, priority: { ...settings.priority, weddingDayRaiseLevels: 3, weddingDayCeilings: everyCeilingCritical } };
  const caps = { before: new HourlyCapTracker(), after: new HourlyCapTracker() };
  const counts = { before: 0, after: 0 };
  try {
    const { rows } = await pool.query<OutboxRow>(`select id::text, source_table, operation, record, old_record, changed_at from change_outbox where id > $1::bigint order by id`, [afterOutboxId]);
    for (const row of rows) {
      const subscription = worker.subscriptions.find((s) => s.table === row.source_table);
      const values = row.record ?? row.old_record;
      if (!subscription || !values) continue;
      const organizationId = String(values[subscription.organizationIdColumn] ?? '');
      const weddingColumn = subscription.weddingIdColumn;
      const weddingId = weddingColumn && typeof values[weddingColumn] === 'string' ? (values[weddingColumn] as string) : null;
      const context = await contexts.resolve({ organizationId, weddingId });
      if (!context.ok) continue;
      const event: ChangeEvent = {
        id: `outbox_${row.id}`,
        schema: 'public',
        table: row.source_table,
        operation: row.operation,
        commitTimestamp: row.changed_at.toISOString(),
        record: row.record,
        oldRecord: row.old_record,
        primaryKey: { id: String(values.id) },
        subscription: subscription.name,
      };
      const at = row.changed_at.getTime();
      const sms = (s: PlanSettings, tracker: HourlyCapTracker) => planDeliveries(event, context.context, s, at, tracker).deliveries.filter((d) => d.channel === 'sms').length;
      counts.before += sms(old, caps.before);
      counts.after += sms(settings, caps.after);
    }
  } finally {
    await contexts.close();
  }
  return counts;
}
