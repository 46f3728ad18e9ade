import type { RetryConfig } from '../../config/worker-config.schema';
import type { PriorityLevel } from '../../vocabulary';

export type NextRun = { readonly kind: 'retry'; readonly atMs: number } | { readonly kind: 'give_up'; readonly reason: 'expired' | 'exhausted' };

export interface NextRunInput {
  /** Runs made so far, this one included (each run is a few quick attempts). */
  readonly runs: number;
  readonly level: PriorityLevel;
  readonly nowMs: number;
  /** What the destination asked for, if anything. */
  readonly retryAfterMs?: number;
  /** After this the message is useless (a ceremony-time alert): expire rather than send late. */
  readonly deadlineMs: number | null;
  readonly policy: Pick<RetryConfig, 'schedule' | 'jitter' | 'maxScheduledRetryAfterMs'>;
  /** 0 ≤ r < 1; injected so tests can pin the jitter. */
  readonly random?: () => number;
}

/**
 * When to try again after a failed run, by the level's ladder (critical: seconds; normal: the
 * Standard Webhooks ladder over about a day), varied by the jitter so retries of one outage do not
 * arrive together, never sooner than a Retry-After. Pure.
 */
export function nextRun({ runs, level, nowMs, retryAfterMs, deadlineMs, policy, random = Math.random }: NextRunInput): NextRun {
  const ladder = policy.schedule[level];
  const base = ladder[runs - 1];
  if (base === undefined) return { kind: 'give_up', reason: 'exhausted' };
  let waitMs = Math.round(base * (1 + policy.jitter * (2 * random() - 1)));
  if (retryAfterMs !== undefined) waitMs = Math.max(waitMs, Math.min(retryAfterMs, policy.maxScheduledRetryAfterMs));
  const atMs = nowMs + waitMs;
  if (deadlineMs !== null && atMs > deadlineMs) return { kind: 'give_up', reason: 'expired' };
  return { kind: 'retry', atMs };
}
