import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { weddingDayModeSchema } from '../../src/config/policy.schema';
import { createOnCallReader, PAGE_ROWS } from '../../src/outcome/status-oncall';
import { renderOnCall } from '../../src/outcome/status-page-oncall';
import { insertOrganization, insertWedding } from '../support/fixtures';
import { createTestSchema, type TestSchema } from '../support/test-db';

// The on-call sections read the real ledger in PostgreSQL, with the clock injected: rows are
// written with explicit times around NOW, so what falls inside the 15 minutes is known.

let db: TestSchema;
let org: string;
beforeAll(async () => {
  db = await createTestSchema('oncall');
  org = await insertOrganization(db.pool);
});
afterAll(() => db.drop());
beforeEach(async () => {
  await db.pool.query('delete from deliveries');
  await db.pool.query('delete from weddings');
});

const NOW = Date.parse('2026-06-13T23:30:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const reader = (dayMode: Record<string, unknown> = {}) => createOnCallReader(db.pool, weddingDayModeSchema.parse(dayMode));

interface Row {
  channel: string;
  destination?: string;
  status: 'pending' | 'delivered' | 'dead' | 'failed_over';
  priority?: string;
  attempts?: number;
  createdAgoMs?: number;
  finishedAgoMs?: number | null;
  deadReason?: string;
  weddingId?: string | null;
}

async function insertDeliveries(rows: readonly Row[]): Promise<void> {
  for (const r of rows) {
    const created = r.createdAgoMs ?? 60_000;
    await db.pool.query(
      `insert into deliveries (id, event_id, organization_id, wedding_id, channel, recipient, destination, priority, status, attempts, dead_reason, payload, created_at, finished_at)
       values ($1, 'evt', $2, $3, $4, 'vendor:v1', $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        `dlv_${randomUUID()}`, org, r.weddingId ?? null, r.channel, r.destination ?? r.channel, r.priority ?? 'normal', r.status, r.attempts ?? 1, r.deadReason ?? null,
        // What the ledger's payload holds: the address. The status page must never read it.
        JSON.stringify({ message: { to: 'lens@photo.example', phone: '+14155550161' } }),
        ago(created),
        r.finishedAgoMs === null ? null : ago(r.finishedAgoMs ?? created - 1_000),
      ],
    );
  }
}

describe('traffic of the last 15 minutes, per channel and per destination', () => {
  it('counts delivered, failed and retrying from every destination in the ledger, and the p95 of due → delivered', async () => {
    // 20 emails delivered in 1..20 s; p95 over 1000..20000 ms (percentile_cont) is 19050 ms.
    await insertDeliveries(Array.from({ length: 20 }, (_, i) => ({ channel: 'email', status: 'delivered' as const, createdAgoMs: 120_000, finishedAgoMs: 120_000 - (i + 1) * 1_000 })));
    await insertDeliveries([
      { channel: 'email', status: 'delivered', createdAgoMs: 40 * 60_000, finishedAgoMs: 20 * 60_000 }, // outside the window
      { channel: 'sms', status: 'failed_over', finishedAgoMs: 30_000 },
      { channel: 'webhook', destination: 'webhook:ep-down', status: 'dead', deadReason: 'HTTP 503', finishedAgoMs: 10_000 },
      { channel: 'webhook', destination: 'webhook:ep-down', status: 'pending', attempts: 2, finishedAgoMs: null },
      { channel: 'webhook', destination: 'webhook:ep-up', status: 'delivered' },
      { channel: 'in_app', status: 'pending', attempts: 0, finishedAgoMs: null }, // not yet tried: not retrying
    ]);
    const view = await reader().read(NOW);
    expect(view.channels).toEqual([
      { channel: 'email', destination: null, delivered: 20, failed: 0, retrying: 0, p95Ms: 19_050 },
      { channel: 'sms', destination: null, delivered: 0, failed: 1, retrying: 0, p95Ms: null },
      { channel: 'webhook', destination: null, delivered: 1, failed: 1, retrying: 1, p95Ms: 1_000 },
    ]);
    expect(view.destinations.map((d) => [d.destination, d.delivered, d.failed, d.retrying])).toEqual([
      ['webhook:ep-down', 0, 1, 1],
      ['sms', 0, 1, 0],
      ['email', 20, 0, 0],
      ['webhook:ep-up', 1, 0, 0],
    ]);
    expect(view.destinationsTotal).toBe(4);
  });

  it('pages the destinations: at most one page, those in trouble first, with the total', async () => {
    await insertDeliveries(Array.from({ length: PAGE_ROWS + 15 }, (_, i) => ({ channel: 'webhook', destination: `webhook:ep-${String(i).padStart(3, '0')}`, status: 'delivered' as const })));
    await insertDeliveries([{ channel: 'webhook', destination: 'webhook:ep-zz-failing', status: 'dead', deadReason: 'HTTP 410' }]);
    const view = await reader().read(NOW);
    expect(view.destinations).toHaveLength(PAGE_ROWS);
    expect(view.destinations[0]?.destination).toBe('webhook:ep-zz-failing');
    expect(view.destinationsTotal).toBe(PAGE_ROWS + 16);
  });
});

describe('what waits and what died', () => {
  it('names the oldest waiting critical delivery, and groups dead letters by reason and destination', async () => {
    const wedding = await insertWedding(db.pool, { organizationId: org });
    await insertDeliveries([
      { channel: 'sms', status: 'pending', priority: 'critical', createdAgoMs: 90_000, finishedAgoMs: null, weddingId: wedding },
      { channel: 'email', status: 'pending', priority: 'critical', createdAgoMs: 30_000, finishedAgoMs: null },
      { channel: 'email', status: 'pending', priority: 'normal', createdAgoMs: 900_000, finishedAgoMs: null },
      ...Array.from({ length: 3 }, () => ({ channel: 'webhook', destination: 'webhook:ep-1', status: 'dead' as const, deadReason: 'HTTP 410 gone' })),
      { channel: 'sms', status: 'dead', deadReason: 'Twilio 21610: unsubscribed recipient' },
    ]);
    const view = await reader().read(NOW);
    expect(view.oldestWaitingCritical).toMatchObject({ channel: 'sms', destination: 'sms', weddingId: wedding, createdAt: ago(90_000) });
    expect(view.deadLetters.map((g) => [g.reason, g.destination, g.count])).toEqual([
      ['HTTP 410 gone', 'webhook:ep-1', 3],
      ['Twilio 21610: unsubscribed recipient', 'sms', 1],
    ]);
    expect(view.deadLettersTotal).toBe(4);
    const html = renderOnCall(view, new Date(NOW).toISOString());
    expect(html).toContain('npm run cli -- replay --destination webhook:ep-1');
    // Ids and destination keys only: the payload's address never reaches the page.
    expect(`${JSON.stringify(view)}${html}`).not.toMatch(/lens@photo|4155550161/);
  });
});

describe('weddings today, each in its own zone', () => {
  it('lists the weddings whose date is today where they are, and those in day mode, with where their critical messages are', async () => {
    // 23:30 UTC: already the 14th in Auckland and in London (00:30 BST), still the 13th in Los Angeles.
    const auckland = await insertWedding(db.pool, { organizationId: org, weddingDate: '2026-06-14', timeZone: 'Pacific/Auckland' });
    const la = await insertWedding(db.pool, { organizationId: org, weddingDate: '2026-06-13', timeZone: 'America/Los_Angeles' });
    // Yesterday in London, but its day mode lasts until 04:00 there.
    const london = await insertWedding(db.pool, { organizationId: org, weddingDate: '2026-06-13', timeZone: 'Europe/London' });
    await insertWedding(db.pool, { organizationId: org, weddingDate: '2026-06-14', timeZone: 'America/Los_Angeles' }); // day mode from 18:00 there: not yet
    await insertWedding(db.pool, { organizationId: org, weddingDate: '2026-06-12', timeZone: 'Europe/London' }); // over
    await insertDeliveries([
      { channel: 'sms', status: 'delivered', priority: 'critical', weddingId: la },
      { channel: 'sms', status: 'dead', priority: 'critical', weddingId: la },
      { channel: 'email', status: 'pending', priority: 'critical', weddingId: la, finishedAgoMs: null },
      { channel: 'email', status: 'delivered', priority: 'normal', weddingId: auckland },
    ]);
    const view = await reader().read(NOW);
    expect(view.weddingsToday[0]).toEqual({ weddingId: la, organizationId: org, timeZone: 'America/Los_Angeles', today: true, dayMode: true, critical: { delivered: 1, waiting: 1, failed: 1 } });
    const rest = Object.fromEntries(view.weddingsToday.slice(1).map((w) => [w.weddingId, [w.today, w.dayMode, w.critical.delivered + w.critical.waiting + w.critical.failed]]));
    expect(rest).toEqual({ [auckland]: [true, true, 0], [london]: [false, true, 0] });
    expect([view.weddingsTodayTotal, view.weddingsTodayInTrouble, view.weddingsInDayMode]).toEqual([3, 1, 3]);
    const withoutDayMode = await reader({ enabled: false }).read(NOW);
    expect(withoutDayMode.weddingsToday.map((w) => w.weddingId).sort()).toEqual([auckland, la].sort());
    expect(withoutDayMode.weddingsInDayMode).toBe(0);
  });

  it('stays one page at 10,000 weddings today: a count, the ones in trouble first, no couple names', async () => {
    await db.pool.query(
      `insert into weddings (organization_id, couple_name, wedding_date, time_zone)
       select $1, 'Couple ' || g, '2026-06-13', 'America/Chicago' from generate_series(1, 10000) g`,
      [org],
    );
    const { rows } = await db.pool.query<{ id: string }>(`select id from weddings order by id desc limit 1`);
    const troubled = rows[0]!.id;
    await insertDeliveries([{ channel: 'sms', status: 'dead', priority: 'critical', weddingId: troubled }]);
    const view = await reader().read(NOW);
    expect([view.weddingsTodayTotal, view.weddingsTodayInTrouble, view.weddingsToday.length]).toEqual([10_000, 1, PAGE_ROWS]);
    expect(view.weddingsToday[0]?.weddingId).toBe(troubled);
    const html = renderOnCall(view, new Date(NOW).toISOString());
    expect(html).toContain(`Showing ${PAGE_ROWS} of 10000 weddings`);
    expect(html).not.toContain('Couple ');
    expect((html.match(/data-wedding=/g) ?? []).length).toBe(PAGE_ROWS);
  });
});
