import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPgContextRepository } from '../../../src/context/pg-context-repository';
import type { QueryConfigLike, Queryable } from '../../../src/lib/queryable';
import { seedDemo } from '../../../src/db/seed';
import { HourlyCapTracker } from '../../../src/decide/hourly-cap';
import { createMemoryEventDeadLetters } from '../../../src/deliver/dead-letters';
import type { Delivery } from '../../../src/decide/delivery';
import type { ChangeEvent, Row } from '../../../src/intake/change-event';
import { createEventHandler } from '../../../src/event-handler';
import { DEMO_ORG_A } from '../../support/demo-ids';
import { memoryLogger } from '../../support/memory-log';
import { exampleWorkerConfig, planSettingsOf } from '../../support/plan-settings';
import { createTestSchema, type TestSchema } from '../../support/test-db';

let db: TestSchema;
beforeAll(async () => {
  db = await createTestSchema('ctxinval');
  await seedDemo(db.pool);
});
afterAll(() => db.drop());

function setup() {
  const pool = {
    contextReads: 0,
    query(config: QueryConfigLike) {
      pool.contextReads += 1;
      return db.pool.query(config);
    },
  };
  pool satisfies Queryable;
  const worker = exampleWorkerConfig();
  const submitted: Delivery[][] = [];
  const handle = createEventHandler({
    subscriptions: worker.subscriptions,
    contexts: createPgContextRepository({ pool, cache: { maxEntries: 100, ttlMs: 60_000 } }),
    settings: planSettingsOf(worker),
    caps: new HourlyCapTracker(),
    deadEvents: createMemoryEventDeadLetters(),
    submit: async (deliveries) => void submitted.push([...deliveries]),
    logger: memoryLogger().logger,
  });
  return { pool, handle, submitted };
}

let sequence = 0;
function change(table: string, operation: ChangeEvent['operation'], record: Row): ChangeEvent {
  sequence += 1;
  return {
    id: `evt_${table}_${sequence}`,
    schema: 'public',
    table,
    operation,
    commitTimestamp: new Date(Date.UTC(2026, 4, 1, 10, 0, sequence)).toISOString(),
    record,
    oldRecord: operation === 'UPDATE' ? { id: record.id } : null,
    primaryKey: { id: String(record.id) },
    subscription: exampleWorkerConfig().subscriptions.find((s) => s.table === table)!.name,
  };
}

const formResponse = () =>
  change('form_responses', 'INSERT', {
    id: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    organization_id: DEMO_ORG_A.id,
    wedding_id: DEMO_ORG_A.weddings.today,
    form_name: 'Menu choices',
  });

describe('context invalidation by the decide stage', () => {
  it('decides a form response from the cached context without reading it again', async () => {
    const { pool, handle, submitted } = setup();
    await handle(formResponse());
    expect(pool.contextReads).toBe(1);
    await handle(formResponse());
    await handle(formResponse());
    expect(pool.contextReads).toBe(1);
    expect(submitted).toHaveLength(3);
    expect(submitted.every((deliveries) => deliveries.length > 0)).toBe(true);
  });

  it.each([
    ['vendors', { id: DEMO_ORG_A.vendors.photographer, organization_id: DEMO_ORG_A.id, phone: '+12025550199' }],
    ['notification_preferences', { id: DEMO_ORG_A.preferences.photographer, organization_id: DEMO_ORG_A.id }],
    ['webhook_endpoints', { id: DEMO_ORG_A.webhookEndpoint, organization_id: DEMO_ORG_A.id }],
    ['organization_staff', { id: DEMO_ORG_A.staff.planner, organization_id: DEMO_ORG_A.id }],
    ['organizations', { id: DEMO_ORG_A.id }],
  ])('reads the context again after a change to %s', async (table, record) => {
    const { pool, handle } = setup();
    await handle(formResponse());
    await handle(change(table, 'UPDATE', record));
    await handle(formResponse());
    expect(pool.contextReads).toBe(2);
  });
});
