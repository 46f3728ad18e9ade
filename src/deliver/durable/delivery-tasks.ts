import type { PriorityLevel } from '../../vocabulary';

/**
 * Critical and high deliveries: run by a runner of their own, so no normal or low job fetched
 * before them can run first (delivery-runners.ts). The name is the one all deliveries had before
 * the split, so jobs queued by an older release still run, here.
 */
export const DELIVER_TASK = 'deliver';

/**
 * Normal and low deliveries: taken in batches by their runner's local queue (one statement for
 * many jobs; bench/ figure 5). Jobs it has fetched wait in this process and run in the order
 * fetched, which is why urgent ones never go through it.
 */
export const DELIVER_BULK_TASK = 'deliver_bulk';

const URGENT: ReadonlySet<PriorityLevel> = new Set(['critical', 'high']);

export function deliverTaskOf(level: PriorityLevel): string {
  return URGENT.has(level) ? DELIVER_TASK : DELIVER_BULK_TASK;
}

/** The same choice in SQL, over an expression holding the level (the ledger's `priority` column). */
export function deliverTaskSql(levelExpression: string): string {
  return `(case when ${levelExpression} in (${[...URGENT].map((l) => `'${l}'`).join(', ')}) then '${DELIVER_TASK}' else '${DELIVER_BULK_TASK}' end)`;
}

/** graphile-worker's own retries are only a safety net for a task that crashes (a bug, a lost database). */
export const JOB_MAX_ATTEMPTS = 25;

/** jobPriority() (delivery-ledger.ts) over the ledger's stored payload. */
export const JOB_PRIORITY_SQL = `(100 - least(100, greatest(0, round((payload->'priority'->>'score')::numeric))))::int`;
