import type { DeliveryLedger } from '../deliver/durable/delivery-ledger';
import type { BreakerRow } from '../deliver/durable/destination-breaker';
import type { EventDeadLetters } from '../deliver/dead-letters';
import type { DisabledDestination } from '../deliver/destinations';
import type { HealthReport } from '../lib/health-report';
import type { OnCallReader } from './status-oncall';
import type { DestinationStatus, FailureView, StatusSnapshot, SubscriptionView } from './status-snapshot';

export interface StatusSources {
  readonly readiness: () => HealthReport;
  readonly draining: () => boolean;
  readonly startedAtMs: number;
  readonly ledger: DeliveryLedger | null;
  readonly breakerRows: (() => Promise<BreakerRow[]>) | null;
  /** This process's disabled/held list (in memory: Slack/Teams without a database). */
  readonly flagged: () => DisabledDestination[];
  /** Jobs waiting per destination on this process's limiters. */
  readonly waiting: () => Record<string, number>;
  readonly deadEvents: EventDeadLetters;
  /** The ledger as the person on call reads it; null without a database. */
  readonly onCall: OnCallReader | null;
  readonly now: () => number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Gathers the status page's data: readiness, queue, destinations, recent failures. */
export async function buildStatus(sources: StatusSources): Promise<StatusSnapshot> {
  const readiness = sources.readiness();
  const [backlog, breakers, dead, failing, deadEvents, onCall] = await Promise.all([
    sources.ledger?.backlog() ?? null,
    sources.breakerRows?.() ?? [],
    sources.ledger?.list({ status: 'dead', limit: 10 }) ?? [],
    sources.ledger?.list({ status: 'pending', limit: 50 }) ?? [],
    sources.deadEvents.recent(10),
    sources.onCall?.read(sources.now()) ?? null,
  ]);
  const failures: FailureView[] = [...dead, ...failing.filter((row) => row.reason !== null)]
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
    .slice(0, 15)
    .map((row) => ({
      at: row.updatedAt,
      deliveryId: row.id,
      channel: row.channel,
      destination: row.destination,
      priority: row.priority,
      status: row.lastStatus,
      reason: `${row.status === 'dead' ? 'dead letter' : 'retrying'}: ${row.reason ?? ''}`,
    }));
  return {
    generatedAt: iso(sources.now()),
    worker: { state: sources.draining() ? 'draining' : 'running', startedAt: iso(sources.startedAtMs), durable: sources.ledger !== null },
    readiness,
    subscriptions: subscriptionsOf(readiness),
    queue: backlog && {
      byLevel: { critical: backlog.byLevel.critical ?? 0, high: backlog.byLevel.high ?? 0, normal: backlog.byLevel.normal ?? 0, low: backlog.byLevel.low ?? 0 },
      oldestCriticalAgeMs: backlog.oldestCriticalMs === null ? null : Math.max(0, sources.now() - backlog.oldestCriticalMs),
    },
    destinations: destinationsOf(breakers, sources.flagged(), sources.waiting()),
    recentFailures: failures,
    recentDeadEvents: deadEvents.map((e) => ({ at: iso(e.atMs), eventId: e.eventId, table: e.table, reason: e.reason })),
    onCall,
  };
}

function subscriptionsOf(readiness: HealthReport): SubscriptionView[] {
  return Object.entries(readiness.components)
    .filter(([name]) => name.startsWith('subscription:'))
    .map(([name, c]) => {
      const last = c.lastCatchUp as { recovered: number; ms: number; at: string | null } | null | undefined;
      return {
        name: name.slice('subscription:'.length),
        mode: typeof c.mode === 'string' ? c.mode : 'table',
        live: c.state === 'live',
        state: c.state,
        reason: c.reason,
        newestChangeAgeMs: typeof c.newestChangeAgeMs === 'number' ? c.newestChangeAgeMs : null,
        lastCatchUp: last ? { recovered: last.recovered, ms: last.ms, at: last.at } : null,
        ...(typeof c.lease === 'string' ? { lease: c.lease } : {}),
      };
    });
}

function destinationsOf(breakers: BreakerRow[], flagged: DisabledDestination[], waiting: Record<string, number>): DestinationStatus[] {
  const byKey = new Map<string, DestinationStatus>();
  const base = (key: string): DestinationStatus => ({
    key,
    channel: key.split(':')[0] ?? key,
    condition: 'healthy',
    reason: null,
    consecutiveFailures: 0,
    openUntil: null,
    waiting: waiting[key] ?? 0,
  });
  for (const row of breakers) {
    const condition = row.state === 'closed' ? 'healthy' : row.state;
    byKey.set(row.destination, {
      ...base(row.destination),
      condition,
      reason: condition === 'healthy' ? null : row.reason,
      consecutiveFailures: row.consecutiveFailures,
      openUntil: row.openUntilMs === null ? null : iso(row.openUntilMs),
    });
  }
  for (const entry of flagged) byKey.set(entry.key, { ...(byKey.get(entry.key) ?? base(entry.key)), condition: entry.state, reason: entry.reason });
  for (const [key, n] of Object.entries(waiting)) {
    const current = byKey.get(key) ?? base(key);
    byKey.set(key, { ...current, waiting: n, condition: current.condition === 'healthy' ? 'limited' : current.condition });
  }
  const rank = { disabled: 0, held: 1, open: 2, failing: 3, limited: 4, healthy: 5 } as const;
  return [...byKey.values()].sort((a, b) => rank[a.condition] - rank[b.condition] || a.key.localeCompare(b.key));
}
