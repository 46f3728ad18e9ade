import type { SubscriptionConfig } from '../config/worker-config.schema';

/**
 * The mode objects of a subscription are optional in the rules file; these are their values with
 * the defaults filled in, so the rest of the intake never repeats a default.
 */
export interface TableCatchUpSettings {
  readonly column: string;
  readonly createdColumn: string | null;
  readonly overlapMs: number;
  readonly pageSize: number;
}

export interface OutboxSettings {
  readonly table: string;
  readonly pageSize: number;
  readonly gapGraceMs: number;
}

export interface BroadcastSettings {
  readonly topic: string;
  readonly private: boolean;
  readonly messagesTable: string;
  readonly overlapMs: number;
  readonly pageSize: number;
}

export function modeOf(subscription: SubscriptionConfig): 'table' | 'outbox' | 'broadcast' {
  return subscription.mode ?? 'table';
}

export function tableCatchUpOf(subscription: SubscriptionConfig): TableCatchUpSettings | null {
  const c = subscription.catchUp;
  if (!c) return null;
  return { column: c.column ?? 'updated_at', createdColumn: c.createdColumn === undefined ? 'created_at' : c.createdColumn, overlapMs: c.overlapMs ?? 5_000, pageSize: c.pageSize ?? 500 };
}

/**
 * The column whose value stands in for the commit time in a table-mode event id. Only
 * subscriptions that set versionColumn or catchUp have one, so every other subscription keeps
 * the ids it produced before catch-up existed.
 */
export function versionColumnOf(subscription: SubscriptionConfig): string | null {
  if (modeOf(subscription) !== 'table') return null;
  return subscription.versionColumn ?? tableCatchUpOf(subscription)?.column ?? null;
}

export function outboxOf(subscription: SubscriptionConfig): OutboxSettings {
  const o = subscription.outbox;
  return { table: o?.table ?? 'change_outbox', pageSize: o?.pageSize ?? 500, gapGraceMs: o?.gapGraceMs ?? 30_000 };
}

export function broadcastOf(subscription: SubscriptionConfig): BroadcastSettings {
  const b = subscription.broadcast;
  return {
    topic: b?.topic ?? 'wedsync-changes',
    private: b?.private ?? true,
    messagesTable: b?.messagesTable ?? 'realtime.messages',
    overlapMs: b?.overlapMs ?? 5_000,
    pageSize: b?.pageSize ?? 500,
  };
}
