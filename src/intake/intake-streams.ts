import type { IntakeMode, SubscriptionConfig } from '../config/worker-config.schema';
import type { Queryable } from '../lib/queryable';
import { createBroadcastDriver } from './broadcast-driver';
import { tableChannel, type ChannelSpec } from './channel-spec';
import { broadcastOf, modeOf, outboxOf, tableCatchUpOf } from './intake-settings';
import { createOutboxDriver } from './outbox-driver';
import type { StreamDriver } from './stream-driver';
import { createTableDriver } from './table-driver';

/**
 * One Realtime channel and one catch-up cursor. A table-mode subscription is a stream of its
 * own, named like it. Outbox subscriptions sharing an outbox table share one stream (one channel
 * on the outbox, one cursor over its ids), named `schema.table`; broadcast subscriptions sharing
 * a topic share one, named `broadcast:topic`. Stream names show on /readyz and key the cursors.
 */
export interface StreamPlan {
  readonly name: string;
  readonly mode: IntakeMode;
  /** What RealtimeSource joins and tracks for this stream. */
  readonly carrier: SubscriptionConfig;
  readonly channel: ChannelSpec;
  /** The subscriptions whose changes arrive on it. */
  readonly members: readonly SubscriptionConfig[];
  /** The strictest of its members'. */
  readonly notLiveGraceMs: number;
}

export function planStreams(subscriptions: readonly SubscriptionConfig[]): StreamPlan[] {
  const plans: StreamPlan[] = [];
  const groups = new Map<string, SubscriptionConfig[]>();
  for (const s of subscriptions) {
    const mode = modeOf(s);
    if (mode === 'table') {
      plans.push({ name: s.name, mode, carrier: s, channel: tableChannel(s), members: [s], notLiveGraceMs: s.notLiveGraceMs ?? 0 });
      continue;
    }
    const name = mode === 'outbox' ? `${s.schema}.${outboxOf(s).table}` : `broadcast:${broadcastOf(s).topic}`;
    const group = groups.get(name) ?? [];
    if (group.length === 0) groups.set(name, group);
    group.push(s);
  }
  for (const [name, members] of groups) plans.push(groupPlan(name, members));
  return plans;
}

function groupPlan(name: string, members: readonly SubscriptionConfig[]): StreamPlan {
  const first = members[0]!;
  const mode = modeOf(first);
  const notLiveGraceMs = Math.min(...members.map((m) => m.notLiveGraceMs ?? 0));
  if (mode === 'outbox') {
    const table = outboxOf(first).table;
    const carrier: SubscriptionConfig = {
      ...first,
      name,
      table,
      mode: 'table',
      events: ['INSERT'],
      primaryKey: ['id'],
      weddingIdColumn: null,
      filter: undefined,
      notLiveGraceMs,
    };
    return { name, mode, carrier, channel: { kind: 'postgres_changes', event: 'INSERT', schema: first.schema, table }, members, notLiveGraceMs };
  }
  const b = broadcastOf(first);
  const carrier: SubscriptionConfig = { ...first, name, filter: undefined, notLiveGraceMs };
  return { name, mode, carrier, channel: { kind: 'broadcast', topic: b.topic, private: b.private }, members, notLiveGraceMs };
}

/** The driver of a stream; `db` may be null only for table streams without catch-up. */
export function createDriver(plan: StreamPlan, db: Queryable | null, now: () => number): StreamDriver<unknown> {
  const need = (): Queryable => {
    if (!db) throw new Error(`subscription stream "${plan.name}" (${plan.mode} mode) needs DATABASE_URL for its catch-up`);
    return db;
  };
  const first = plan.members[0]!;
  if (plan.mode === 'outbox') {
    const settings = outboxOf(first);
    return createOutboxDriver(need(), { schema: first.schema, outboxTable: settings.table, members: plan.members, stream: plan.name }, settings, now) as StreamDriver<unknown>;
  }
  if (plan.mode === 'broadcast') {
    return createBroadcastDriver(need(), { members: plan.members, stream: plan.name }, broadcastOf(first), now) as StreamDriver<unknown>;
  }
  const catchUp = tableCatchUpOf(first);
  return createTableDriver(catchUp ? need() : null, first, catchUp) as StreamDriver<unknown>;
}
