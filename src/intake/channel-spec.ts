import type { SubscriptionConfig } from '../config/worker-config.schema';

/** What a subscription's Realtime channel listens to. */
export type ChannelSpec =
  | {
      readonly kind: 'postgres_changes';
      /** `*` unless the stream needs one operation only (the outbox: INSERTs, never its pruning). */
      readonly event: '*' | 'INSERT';
      readonly schema: string;
      readonly table: string;
      readonly filter?: string;
    }
  | {
      readonly kind: 'broadcast';
      /** The topic the database trigger sends to; also the channel's name. */
      readonly topic: string;
      readonly private: boolean;
    };

/** Today's channel: one '*' postgres_changes binding on the subscription's table. */
export function tableChannel(subscription: SubscriptionConfig): ChannelSpec {
  return {
    kind: 'postgres_changes',
    event: '*',
    schema: subscription.schema,
    table: subscription.table,
    ...(subscription.filter ? { filter: subscription.filter } : {}),
  };
}
