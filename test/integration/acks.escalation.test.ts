import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { run, type Runner } from 'graphile-worker';
import { preferencesSchema } from '../../src/config/policy.schema';
import { pruneAcknowledgements } from '../../src/escalation/ack-retention';
import { createEscalationTask } from '../../src/escalation/escalation-task';
import { createEscalationTracker } from '../../src/escalation/escalation-tracker';
import { ESCALATE_TASK } from '../../src/escalation/escalation-store';
import type { Delivery } from '../../src/decide/delivery';
import { createAckStand, POLICY, quietLogger, type AckStand } from '../support/ack-stand';
import { memoryLogger } from '../support/memory-log';
import { waitFor } from '../support/wait-for';

const dayMode = preferencesSchema.parse({}).weddingDayMode;
const AFTER_MS = POLICY.policies[0]!.afterMs;
let stand: AckStand;

beforeAll(async () => {
  stand = await createAckStand('esc');
});
afterAll(async () => {
  await stand.close();
});

/** A clock `behindMs` behind the database's: timers it arms `behindMs` from now are due at once. */
const clockBehind = (behindMs: number) => () => Date.now() - behindMs;

const tracker = (now: () => number) => createEscalationTracker({ db: stand.db.pool, store: stand.escalations, config: POLICY, dayMode, now });
const task = (now: () => number) => createEscalationTask({ pool: stand.db.pool, store: stand.escalations, ledger: stand.ledger, config: POLICY, dayMode, logger: memoryLogger().logger, now });

async function startRunners(n: number, now: () => number): Promise<Runner[]> {
  return Promise.all(
    Array.from({ length: n }, () =>
      run({ pgPool: stand.db.pool, schema: stand.gwSchema, concurrency: 4, pollInterval: 50, noHandleSignals: true, logger: quietLogger(), taskList: { [ESCALATE_TASK]: async (payload) => void (await task(now)(payload)) } }),
    ),
  );
}

const tierDeliveries = (eventId: string, recipient: string) =>
  stand.count(`select 1 from deliveries where event_id = $1 and recipient = $2 and channel = 'sms' and payload->'log'->>'rule' = 'escalation:critical'`, [eventId, recipient]);

describe('escalation when nobody acknowledges', () => {
  it('reaches the planner, then the owner, each exactly once, with two workers competing', async () => {
    const events = await Promise.all(Array.from({ length: 10 }, () => stand.criticalEvent()));
    // Armed by a clock one wait behind: due now. The task's clock is too, so tier 2 is due at once.
    const now = clockBehind(AFTER_MS);
    for (const e of events) expect(await tracker(now)([e.sms as unknown as Delivery, e.slack as unknown as Delivery])).toBe(1);
    // A replay of the same change arms nothing more.
    expect(await tracker(now)([events[0]!.sms as unknown as Delivery])).toBe(0);

    const runners = await startRunners(2, now);
    try {
      await waitFor(async () => (await stand.count(`select 1 from escalations where event_id = any($1) and state = 'exhausted'`, [events.map((e) => e.eventId)])) === events.length, {
        timeoutMs: 30_000,
        what: 'every escalation to run out of tiers',
      });
    } finally {
      await Promise.all(runners.map((r) => r.stop()));
    }
    for (const e of events) {
      expect(await tierDeliveries(e.eventId, `staff:${stand.plannerId}`)).toBe(1);
      expect(await tierDeliveries(e.eventId, `staff:${stand.ownerId}`)).toBe(1);
    }
    const rows = await stand.db.pool.query(`select tier, state from escalations where event_id = $1`, [events[0]!.eventId]);
    expect(rows.rows[0]).toEqual({ tier: 2, state: 'exhausted' });
    // Each tier's deliveries are ordinary ledger rows with their own ids and deliver jobs.
    const jobs = await stand.count(`select 1 from "${stand.gwSchema}".jobs where task_identifier = 'deliver' and key in (select id from deliveries where event_id = $1 and payload->'log'->>'rule' = 'escalation:critical')`, [events[0]!.eventId]);
    expect(jobs).toBe(2);
  }, 60_000);

  it('an acknowledgement before the deadline cancels the timer: nothing is sent to anyone', async () => {
    const e = await stand.criticalEvent();
    expect(await tracker(Date.now)([e.sms as unknown as Delivery])).toBe(1);
    const job = () => stand.count(`select 1 from "${stand.gwSchema}".jobs where key = $1`, [`escalate:${e.eventId}`]);
    expect(await job()).toBe(1);

    const result = await stand.acks.record({ eventId: e.eventId, deliveryId: e.sms.id, organizationId: stand.organizationId, channel: 'sms', actor: `vendor:${stand.vendorId}`, actorName: null, atMs: Date.now() });
    expect(result?.recorded).toBe(true);
    expect(await job()).toBe(0);
    expect((await stand.db.pool.query(`select state from escalations where event_id = $1`, [e.eventId])).rows[0]).toEqual({ state: 'acknowledged' });
    // Even a job that had already been picked up when the ack landed sends nothing.
    expect(await task(clockBehind(AFTER_MS))({ eventId: e.eventId })).toBe('acknowledged');
    expect(await stand.count(`select 1 from deliveries where event_id = $1 and payload->'log'->>'rule' like 'escalation:%'`, [e.eventId])).toBe(0);
  });

  it('an acknowledgement written while the job was running still stops it at the next tier', async () => {
    const e = await stand.criticalEvent();
    await tracker(clockBehind(AFTER_MS))([e.sms as unknown as Delivery]);
    expect(await task(Date.now)({ eventId: e.eventId })).toBe('escalated');
    expect(await tierDeliveries(e.eventId, `staff:${stand.plannerId}`)).toBe(1);
    // The planner answers; the owner's timer (armed for 30 minutes later) is gone.
    await stand.acks.record({ eventId: e.eventId, deliveryId: `dlv_x`, organizationId: stand.organizationId, channel: 'sms', actor: `staff:${stand.plannerId}`, actorName: null, atMs: Date.now() });
    expect(await stand.count(`select 1 from "${stand.gwSchema}".jobs where key = $1`, [`escalate:${e.eventId}`])).toBe(0);
    expect(await task(Date.now)({ eventId: e.eventId })).toBe('acknowledged');
    expect(await tierDeliveries(e.eventId, `staff:${stand.ownerId}`)).toBe(0);
  });
});

describe('acknowledgement retention', () => {
  it('prunes answered rows and spent links older than the ledger keeps deliveries, never a waiting escalation', async () => {
    const old = await stand.criticalEvent();
    const waiting = await stand.criticalEvent();
    await tracker(Date.now)([old.sms as unknown as Delivery, waiting.sms as unknown as Delivery]);
    await stand.acks.record({ eventId: old.eventId, deliveryId: old.email.id, organizationId: stand.organizationId, channel: 'email', actor: 'staff:x', actorName: null, atMs: Date.now() }, { singleUseLink: true });
    const retention = { deliveredMs: 60_000, deadLetterMs: 60_000, deadEventMs: 60_000, pruneEveryMs: 60_000 };
    // A clock two minutes ahead: the answer is older than the minute kept.
    await stand.db.pool.query(`update escalations set updated_at = now() - interval '2 minutes' where event_id = any($1)`, [[old.eventId, waiting.eventId]]);
    expect(await pruneAcknowledgements(stand.db.pool, retention, Date.now() + 120_000)).toBeGreaterThanOrEqual(3);
    expect(await stand.count(`select 1 from acknowledgements where event_id = $1`, [old.eventId])).toBe(0);
    expect(await stand.count(`select 1 from ack_link_uses where delivery_id = $1`, [old.email.id])).toBe(0);
    expect(await stand.count(`select 1 from escalations where event_id = $1`, [old.eventId])).toBe(0);
    expect(await stand.count(`select 1 from escalations where event_id = $1 and state = 'waiting'`, [waiting.eventId])).toBe(1);
  });
});

describe('arming the timers of changes decided together', () => {
  it('writes them together, two statements for thirteen changes, and each change hears only of its own new timers', async () => {
    const events = await Promise.all(Array.from({ length: 12 }, () => stand.criticalEvent()));
    const statements: string[] = [];
    const counting = { query: (text: string, values?: unknown[]) => (statements.push(text), stand.db.pool.query(text, values)) };
    const track = createEscalationTracker({ db: counting as unknown as typeof stand.db.pool, store: stand.escalations, config: POLICY, dayMode, now: Date.now });

    // All twelve at once, as a wave of decisions calls it; one of them carries a repeat of another's event.
    const armed = await Promise.all([...events.map((e) => track([e.sms as unknown as Delivery, e.slack as unknown as Delivery])), track([events[3]!.sms as unknown as Delivery])]);

    // The first goes alone; the rest wait for it and go together: two statements, not thirteen.
    expect(statements).toHaveLength(2);
    expect(armed.slice(0, 12)).toEqual(Array.from({ length: 12 }, () => 1));
    expect(armed[12]).toBe(0);
    const ids = events.map((e) => e.eventId);
    expect(await stand.count(`select 1 from escalations where event_id = any($1) and state = 'waiting'`, [ids])).toBe(12);
    expect(await stand.count(`select 1 from "${stand.gwSchema}"._private_jobs where key = any($1)`, [ids.map((id) => `escalate:${id}`)])).toBe(12);
  });
});
