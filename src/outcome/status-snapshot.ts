import type { OnCallView } from './status-oncall';
import type { HealthReport } from '../lib/health-report';

export type DestinationCondition = 'healthy' | 'limited' | 'failing' | 'open' | 'disabled' | 'held';

export interface DestinationStatus {
  /** channel:id, e.g. webhook:<endpoint id>, slack:<organization id>, email. */
  readonly key: string;
  readonly channel: string;
  readonly condition: DestinationCondition;
  readonly reason: string | null;
  readonly consecutiveFailures: number;
  /** When an open circuit lets the next probe through (ISO), or null. */
  readonly openUntil: string | null;
  /** Deliveries of this process waiting on the destination's rate limit. */
  readonly waiting: number;
}

export interface SubscriptionView {
  readonly name: string;
  readonly mode: string;
  readonly live: boolean;
  readonly state: string;
  readonly reason: string | null;
  readonly newestChangeAgeMs: number | null;
  readonly lastCatchUp: { readonly recovered: number; readonly ms: number; readonly at: string | null } | null;
  /** With intake leases: `held` by this replica, `standby` (another holds it), `pending`, or `every replica`. */
  readonly lease?: string;
}

export interface FailureView {
  readonly at: string;
  readonly deliveryId: string;
  readonly channel: string;
  readonly destination: string;
  readonly priority: string;
  readonly status: number | null;
  readonly reason: string;
}

/**
 * Everything the /status page shows, as data. Ids only, never addresses or secrets: the page is
 * for a person on call, who looks the rest up with the CLI.
 */
export interface StatusSnapshot {
  readonly generatedAt: string;
  readonly worker: { readonly state: 'running' | 'draining'; readonly startedAt: string; readonly durable: boolean };
  readonly readiness: HealthReport;
  readonly subscriptions: readonly SubscriptionView[];
  /** Null without a database (nothing is queued durably). */
  readonly queue: {
    readonly byLevel: Readonly<Record<'critical' | 'high' | 'normal' | 'low', number>>;
    readonly oldestCriticalAgeMs: number | null;
  } | null;
  readonly destinations: readonly DestinationStatus[];
  readonly recentFailures: readonly FailureView[];
  readonly recentDeadEvents: readonly { readonly at: string; readonly eventId: string; readonly table: string; readonly reason: string }[];
  /** Traffic, dead letters and today's weddings from the ledger (all replicas); null without a database. */
  readonly onCall?: OnCallView | null;
}
