import type { ChangeEvent } from '../intake/change-event';
import { matchingRules } from './match-rules';
import type { PlanSettings } from './plan';
import { priorityCeiling } from './priority';

/** Whether any rule this change matches may make it critical: no context, no database. */
export function mayBeCritical(event: ChangeEvent, settings: Pick<PlanSettings, 'rules' | 'priority'>, nowMs: number): boolean {
  return matchingRules(event, settings.rules).some(
    (rule) => priorityCeiling({ kind: rule.kind, event, ...(rule.priority ? { ruleLevel: rule.priority } : {}), policy: settings.priority, nowMs }) === 'critical',
  );
}
