import type { Condition, RuleConfig } from '../config/rules.schema';
import type { ChangeEvent, Row } from '../intake/change-event';

/** Rules whose match clause fits the event, in file order. Pure. */
export function matchingRules(event: ChangeEvent, rules: readonly RuleConfig[]): RuleConfig[] {
  return rules.filter((rule) => {
    const m = rule.match;
    if (m.table !== event.table || m.schema !== event.schema || !m.events.includes(event.operation)) return false;
    // For an INSERT or DELETE every column "changed"; the clause narrows UPDATEs only.
    if (m.changedColumns && event.operation === 'UPDATE') {
      // A caught-up row of table mode has no old values: nothing can be shown to have changed,
      // and a false "wedding date changed" SMS is worse than a missed one (use outbox mode).
      if (!event.oldRecord && event.source === 'catch-up') return false;
      if (!m.changedColumns.some((c) => columnChanged(event, c))) return false;
    }
    const row = event.record ?? event.oldRecord ?? {};
    return Object.entries(m.where ?? {}).every(([column, condition]) => holds(row, column, condition));
  });
}

/** The columns whose value differs between the old and the new row. */
export function changedColumns(event: ChangeEvent): string[] {
  if (event.operation !== 'UPDATE' || !event.record) return [];
  return Object.keys(event.record).filter((column) => columnChanged(event, column));
}

function columnChanged(event: ChangeEvent, column: string): boolean {
  // Without REPLICA IDENTITY FULL the old row holds only the key: a missing column counts as changed.
  if (!event.oldRecord || !(column in event.oldRecord)) return true;
  return JSON.stringify(event.record?.[column]) !== JSON.stringify(event.oldRecord[column]);
}

function holds(row: Row, column: string, condition: Condition): boolean {
  const value = row[column];
  if ('eq' in condition) return value === condition.eq;
  if ('neq' in condition) return value !== condition.neq;
  if ('in' in condition) return condition.in.some((v) => v === value);
  return (value === null || value === undefined) === condition.isNull;
}
