import type { SubscriptionConfig } from '../config/worker-config.schema';

/**
 * Primary keys of the tenant tables of migration 0002 that are not `id`. A subscription's
 * `primaryKey` defaults to `["id"]`, which such a table does not have: every change of it would
 * be rejected as missing its key. The outbox and broadcast modes carry changes of every table,
 * so the key is looked up here unless the rules file names one.
 */
const TENANT_PRIMARY_KEYS: Readonly<Record<string, readonly string[]>> = {
  wedding_vendors: ['wedding_id', 'vendor_id', 'role'],
};

export function primaryKeyOf(subscription: Pick<SubscriptionConfig, 'table' | 'primaryKey'>): readonly string[] {
  const configured = subscription.primaryKey;
  const known = TENANT_PRIMARY_KEYS[subscription.table];
  const isDefault = configured.length === 1 && configured[0] === 'id';
  return known && isDefault ? known : configured;
}
