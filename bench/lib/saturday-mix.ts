import type { Pool } from 'pg';
import { KIND, organizationOf, sagaUuid, TODAY_EVERY, vendorOf } from './saturday-seed';
import { sleep } from './stats';

/**
 * The change mix of a wedding Saturday (figure 11), as rows written to the tenant tables: each
 * kind with its share of the changes, and whether it lands on one of today's weddings or on any.
 * Every kind matches a rule of the shipped file (config/worker.example.json). The day-of kinds are
 * heavy for real life (40 timeline changes and 2.5 emergencies a second over 10,000 weddings): a
 * stress on the critical path, which is what the figure's goal is about.
 */
export const MIX = [
  { kind: 'form', share: 0.435, todayOnly: false, what: 'form response (form_responses INSERT; rule form-response)' },
  { kind: 'payment_received', share: 0.2, todayOnly: false, what: 'payment received (payments INSERT; payment-received, payments-to-archive)' },
  { kind: 'payment_failed', share: 0.02, todayOnly: false, what: 'payment failed (payment-failed, payments-to-archive; critical on the day)' },
  { kind: 'timeline', share: 0.08, todayOnly: true, what: "timeline change on today's wedding, starting in 1-12 h (timeline-updated; critical within 6 h)" },
  { kind: 'journey', share: 0.18, todayOnly: false, what: 'journey milestone completed (journey_progress INSERT; journey-milestone)' },
  { kind: 'client', share: 0.08, todayOnly: false, what: "client profile edit (clients UPDATE; client-profile-updated; invalidates the wedding's context)" },
  { kind: 'emergency', share: 0.005, todayOnly: true, what: "emergency on today's wedding (wedding_alerts INSERT; wedding-emergency: SMS and Slack, critical)" },
] as const;
export type ChangeKind = (typeof MIX)[number]['kind'];

// Low-discrepancy sequence: every window of a few hundred changes holds each kind at its share.
const GOLDEN = 0.6180339887498949;

function kindOf(seq: number): (typeof MIX)[number] {
  let x = (seq * GOLDEN) % 1;
  for (const entry of MIX) {
    if (x < entry.share) return entry;
    x -= entry.share;
  }
  return MIX[0];
}

/** SQL classifying an outbox row into its kind of the mix (for results by kind). */
export const OUTBOX_KIND_SQL = `case source_table when 'form_responses' then 'form' when 'payments' then 'payment_' || (record ->> 'status')
  when 'timeline_events' then 'timeline' when 'journey_progress' then 'journey' when 'clients' then 'client' when 'wedding_alerts' then 'emergency' else source_table end`;

type Rows = Record<'form' | 'payment' | 'timeline' | 'journey' | 'client' | 'emergency', object[]>;

/** Writes changes of the mix over `weddings` weddings; each call is one statement (one commit). */
export class SaturdayWriter {
  private seq = 0;
  readonly written = new Map<ChangeKind, number>();

  constructor(
    private readonly pool: Pool,
    private readonly weddings: number,
  ) {}

  async write(n: number): Promise<void> {
    const rows: Rows = { form: [], payment: [], timeline: [], journey: [], client: [], emergency: [] };
    const nowMs = Date.now();
    for (let i = 0; i < n; i++) {
      const seq = (this.seq += 1);
      const entry = kindOf(seq);
      this.written.set(entry.kind, (this.written.get(entry.kind) ?? 0) + 1);
      const todays = Math.max(1, Math.floor(this.weddings / TODAY_EVERY));
      const w = entry.todayOnly ? TODAY_EVERY * (1 + ((seq * 7919) % todays)) : 1 + ((seq * 7919) % this.weddings);
      const org = sagaUuid(KIND.organization, organizationOf(w));
      const wedding = sagaUuid(KIND.wedding, w);
      const vendor = (slot: number) => sagaUuid(KIND.vendor, vendorOf(w, slot));
      switch (entry.kind) {
        case 'form':
          rows.form.push({ organization_id: org, wedding_id: wedding, vendor_id: vendor(seq % 2 === 0 ? 0 : 4), form_name: `Form ${seq}` });
          break;
        case 'payment_received':
        case 'payment_failed': {
          const failed = entry.kind === 'payment_failed';
          rows.payment.push({ organization_id: org, wedding_id: wedding, vendor_id: vendor(1), amount_cents: 50_000 + (seq % 1000) * 100, status: failed ? 'failed' : 'received', failure_reason: failed ? 'card declined' : null });
          break;
        }
        case 'timeline': {
          const startsMs = nowMs + 3_600_000 + (seq % 45) * 15 * 60_000;
          rows.timeline.push({ organization_id: org, wedding_id: wedding, title: `Timeline ${seq}`, starts_at: new Date(startsMs).toISOString(), ends_at: new Date(startsMs + 1_800_000).toISOString(), vendor_ids: [vendor(0), vendor(1)] });
          break;
        }
        case 'journey':
          rows.journey.push({ organization_id: org, wedding_id: wedding, milestone: `milestone ${seq}` });
          break;
        case 'client':
          rows.client.push({ id: sagaUuid(KIND.client, (w - 1) * 2 + 1 + (seq % 2)), phone: `+1720555${String(seq % 10_000).padStart(4, '0')}` });
          break;
        case 'emergency':
          rows.emergency.push({ organization_id: org, wedding_id: wedding, message: `Emergency ${seq}: the florist's van broke down on the way to the venue` });
          break;
      }
    }
    await this.pool.query(
      `with f as (insert into form_responses (organization_id, wedding_id, vendor_id, form_name)
                  select * from jsonb_to_recordset($1::jsonb) as x(organization_id uuid, wedding_id uuid, vendor_id uuid, form_name text) returning 1),
            p as (insert into payments (organization_id, wedding_id, vendor_id, amount_cents, status, failure_reason)
                  select * from jsonb_to_recordset($2::jsonb) as x(organization_id uuid, wedding_id uuid, vendor_id uuid, amount_cents bigint, status text, failure_reason text) returning 1),
            t as (insert into timeline_events (organization_id, wedding_id, title, starts_at, ends_at, vendor_ids)
                  select * from jsonb_to_recordset($3::jsonb) as x(organization_id uuid, wedding_id uuid, title text, starts_at timestamptz, ends_at timestamptz, vendor_ids uuid[]) returning 1),
            j as (insert into journey_progress (organization_id, wedding_id, milestone, status, completed_at)
                  select organization_id, wedding_id, milestone, 'completed', now() from jsonb_to_recordset($4::jsonb) as x(organization_id uuid, wedding_id uuid, milestone text) returning 1),
            c as (update clients set phone = x.phone from jsonb_to_recordset($5::jsonb) as x(id uuid, phone text) where clients.id = x.id returning 1),
            e as (insert into wedding_alerts (organization_id, wedding_id, severity, message, raised_by)
                  select organization_id, wedding_id, 'emergency', message, 'planner' from jsonb_to_recordset($6::jsonb) as x(organization_id uuid, wedding_id uuid, message text) returning 1)
       select (select count(*) from f) + (select count(*) from p) + (select count(*) from t) + (select count(*) from j) + (select count(*) from c) + (select count(*) from e) as n`,
      [rows.form, rows.payment, rows.timeline, rows.journey, rows.client, rows.emergency].map((r) => JSON.stringify(r)),
    );
  }

  /**
   * Open loop: `ratePerS` changes a second for `durationMs`, a statement every `tickMs` whether or
   * not the last one has committed (a slow database shows as latency, not as a lower rate).
   */
  async writeSteady(ratePerS: number, durationMs: number, tickMs = 20): Promise<{ firstWriteMs: number; lastCommitMs: number; statementsFailed: number }> {
    const perTick = Math.max(1, Math.round((ratePerS * tickMs) / 1000));
    const firstWriteMs = Date.now();
    const writes: Promise<void>[] = [];
    let lastCommitMs = 0;
    let statementsFailed = 0;
    for (let tick = 0; tick * tickMs < durationMs; tick += 1) {
      const wait = firstWriteMs + tick * tickMs - Date.now();
      if (wait > 0) await sleep(wait);
      writes.push(
        this.write(perTick).then(
          () => void (lastCommitMs = Math.max(lastCommitMs, Date.now())),
          () => void (statementsFailed += 1),
        ),
      );
    }
    await Promise.all(writes);
    return { firstWriteMs, lastCommitMs, statementsFailed };
  }
}
