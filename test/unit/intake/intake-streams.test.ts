import { describe, expect, it } from '@jest/globals';
import { workerConfigSchema } from '../../../src/config/worker-config.schema';
import { subscriptionsNeedingDatabase } from '../../../src/config/load-config';
import { planStreams } from '../../../src/intake/intake-streams';

const parse = (subscriptions: Record<string, unknown>[]) => workerConfigSchema.parse({ subscriptions }).subscriptions;

describe('planStreams', () => {
  const subscriptions = parse([
    { name: 'payments', table: 'payments' },
    { name: 'weddings', table: 'weddings', mode: 'outbox', weddingIdColumn: 'id', notLiveGraceMs: 30_000 },
    { name: 'alerts', table: 'wedding_alerts', mode: 'outbox', notLiveGraceMs: 10_000 },
    { name: 'vendors', table: 'wedding_vendors', mode: 'broadcast', primaryKey: ['wedding_id', 'vendor_id', 'role'] },
  ]);
  const plans = planStreams(subscriptions);

  it('keeps a table-mode subscription as it was: its own channel, name and binding', () => {
    expect(plans[0]).toMatchObject({ name: 'payments', mode: 'table', carrier: subscriptions[0], channel: { kind: 'postgres_changes', event: '*', table: 'payments' } });
  });

  it('puts the outbox subscriptions on one channel that binds INSERTs on the outbox', () => {
    const outbox = plans.find((p) => p.mode === 'outbox')!;
    expect(outbox.name).toBe('public.change_outbox');
    expect(outbox.members.map((m) => m.name)).toEqual(['weddings', 'alerts']);
    expect(outbox.channel).toEqual({ kind: 'postgres_changes', event: 'INSERT', schema: 'public', table: 'change_outbox' });
    expect(outbox.notLiveGraceMs).toBe(10_000);
  });

  it('joins broadcast subscriptions on their topic', () => {
    expect(plans.find((p) => p.mode === 'broadcast')).toMatchObject({ name: 'broadcast:wedsync-changes', channel: { kind: 'broadcast', topic: 'wedsync-changes', private: true } });
  });

  it('names the subscriptions that need DATABASE_URL', () => {
    expect(subscriptionsNeedingDatabase(subscriptions)).toEqual(['weddings', 'alerts', 'vendors']);
    expect(subscriptionsNeedingDatabase(parse([{ name: 'w', table: 'weddings', catchUp: {} }]))).toEqual(['w']);
  });
});
