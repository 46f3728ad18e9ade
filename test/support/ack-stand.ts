import { randomBytes, randomUUID } from 'node:crypto';
import { Logger, runMigrations } from 'graphile-worker';
import { AckStore } from '../../src/ack/ack-store';
import { escalationSchema, type EscalationConfig } from '../../src/config/escalation.schema';
import { DeliveryLedger } from '../../src/deliver/durable/delivery-ledger';
import type { StoredDelivery } from '../../src/deliver/stored-delivery';
import { EscalationStore } from '../../src/escalation/escalation-store';
import { createAckTokens } from '../../src/lib/ack-token';
import { insertOrganization, insertStaff, insertVendor, insertWedding } from './fixtures';
import { sampleContent } from './notification-content';
import { createTestSchema, type TestSchema } from './test-db';

export const PHONES = { vendor: '+14155550111', planner: '+14155550122', owner: '+14155550133' } as const;

/** Two tiers: the planner, then the owner, both by SMS; 30 minutes apart (5 on the day). */
export const POLICY: EscalationConfig = escalationSchema.parse({
  policies: [{ name: 'critical', levels: ['critical'], afterMs: 30 * 60_000, weddingDayAfterMs: 5 * 60_000, tiers: [{ roles: ['planner'] }, { roles: ['owner'] }] }],
});

export interface AckStand {
  readonly db: TestSchema;
  readonly gwSchema: string;
  readonly organizationId: string;
  readonly weddingId: string;
  readonly vendorId: string;
  readonly plannerId: string;
  readonly ownerId: string;
  readonly ledger: DeliveryLedger;
  readonly escalations: EscalationStore;
  readonly acks: AckStore;
  readonly key: Buffer;
  readonly tokens: ReturnType<typeof createAckTokens>;
  /** A critical event sent to the vendor by SMS and to the organization's Slack, as the ledger holds it. */
  criticalEvent(): Promise<{ eventId: string; sms: StoredDelivery; slack: StoredDelivery; email: StoredDelivery }>;
  count(sql: string, values?: unknown[]): Promise<number>;
  close(): Promise<void>;
}

/** A test schema with one organization (vendor, planner, owner) and graphile-worker's schema beside it. */
export async function createAckStand(prefix: string): Promise<AckStand> {
  const db = await createTestSchema(prefix);
  const gwSchema = `${db.schema}_gw`;
  await runMigrations({ pgPool: db.pool, schema: gwSchema, logger: quietLogger() });
  const organizationId = await insertOrganization(db.pool);
  const weddingId = await insertWedding(db.pool, { organizationId });
  const vendorId = await insertVendor(db.pool, { organizationId, phone: PHONES.vendor });
  const plannerId = await insertStaff(db.pool, { organizationId, role: 'planner', phone: PHONES.planner });
  const ownerId = await insertStaff(db.pool, { organizationId, role: 'owner', phone: PHONES.owner });
  const ledger = new DeliveryLedger(db.pool, gwSchema);
  const escalations = new EscalationStore(gwSchema);
  const key = randomBytes(32);
  const base = (eventId: string, channel: 'sms' | 'slack' | 'email', recipient: StoredDelivery['recipient']): StoredDelivery => {
    const content = sampleContent({ eventId, kind: 'wedding.emergency', priority: { level: 'critical', score: 95, reasons: ['emergency'] }, organization: { id: organizationId, name: 'Bloom' }, wedding: { id: weddingId, coupleName: 'Ana & Ben', date: '2030-06-27', timeZone: 'UTC' } });
    return {
      id: `dlv_${channel}_${eventId}`,
      eventId,
      organizationId,
      weddingId,
      kind: 'wedding.emergency',
      channel,
      recipient,
      priority: content.priority,
      notBeforeMs: null,
      deadlineMs: null,
      message: { channel, content },
      rateLimit: null,
      fallbacks: [],
      notes: [],
      log: { table: 'wedding_alerts', operation: 'INSERT', rule: 'test' },
    };
  };
  return {
    db,
    gwSchema,
    organizationId,
    weddingId,
    vendorId,
    plannerId,
    ownerId,
    ledger,
    escalations,
    acks: new AckStore(db.pool, escalations),
    key,
    tokens: createAckTokens(key),
    async criticalEvent() {
      const eventId = `evt_${randomUUID().replace(/-/g, '')}`;
      const sms = base(eventId, 'sms', { kind: 'vendor', id: vendorId });
      const slack = base(eventId, 'slack', { kind: 'organization', id: organizationId });
      const email = base(eventId, 'email', { kind: 'staff', id: ownerId });
      await ledger.enqueue([sms, slack, email]);
      // As the queue would after sending: "OK" answers messages that went out.
      await db.pool.query(`update deliveries set status = 'delivered' where event_id = $1`, [eventId]);
      return { eventId, sms, slack, email };
    },
    async count(sql, values = []) {
      const { rows } = await db.pool.query<{ n: number }>(`select count(*)::int as n from (${sql}) x`, values);
      return rows[0]!.n;
    },
    async close() {
      await db.pool.query(`drop schema if exists "${gwSchema}" cascade`);
      await db.drop();
    },
  };
}

/** graphile-worker's Logger, printing nothing. */
export function quietLogger(): Logger {
  return new Logger(() => () => undefined);
}
