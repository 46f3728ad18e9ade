import type { PriorityLevel } from '../config/worker-config.schema';

export interface Priority {
  readonly level: PriorityLevel;
  /** 0–100, higher is more urgent; orders work within a level. */
  readonly score: number;
  /** Human-readable grounds for the level, shown in logs and webhook bodies. */
  readonly reasons: readonly string[];
}

export const LEVEL_SCORES: Readonly<Record<PriorityLevel, number>> = { critical: 90, high: 70, normal: 50, low: 20 };

const ORDER: readonly PriorityLevel[] = ['low', 'normal', 'high', 'critical'];

export function levelRank(level: PriorityLevel): number {
  return ORDER.indexOf(level);
}

/** The more urgent of two levels. */
export function higherLevel(a: PriorityLevel, b: PriorityLevel): PriorityLevel {
  return levelRank(a) >= levelRank(b) ? a : b;
}
