import { Client } from 'pg';
import { fmt, sleep } from './stats';

/**
 * Statements by what they do, matched on their text: the worker's, graphile-worker's and the
 * bench's own (writer, Realtime fake). First match wins; anything else is "other".
 */
const KINDS: readonly (readonly [string, RegExp])[] = [
  ['deliveries persisted with their jobs (DeliveryLedger.enqueue)', /insert into deliveries \(id, event_id/],
  ['digest items held (digest-store)', /digest_key text, organization_id/],
  ['escalations opened (escalation-store)', /insert into escalations/],
  ['job rescheduled: retried, parked (DeliveryLedger.reschedule)', /update deliveries set next_attempt_at/],
  ['jobs put back behind a busy limit or open circuit (DeliveryLedger.putBack)', /as x\(id text, run_at timestamptz\) join deliveries d/],
  ['graphile-worker: one job fetched (a runner without a local queue)', /^with j as \( select jobs\.job_queue_id/],
  ['graphile-worker: jobs fetched in a batch (a local queue: urgent and bulk runners)', /^with j_raw as/],
  ['graphile-worker: completions', /delete from \S+\._private_jobs/],
  ['"delivered" written (SentBookkeeping)', /update deliveries d set status = 'delivered'|update deliveries set provider_message_id/],
  ['ledger rows read by jobs (DeliveryLedger.load)', /left join destination_health h on h\.destination = d\.destination where d\.id = any/],
  ['context read (context-queries.ts)', /with ordinality as r\(organization_id, wedding_id/],
  ['in-app rows written', /insert into notifications/],
  ['the bench writing the changes (with the capture trigger)', /insert into form_responses/],
  ['the Realtime fake reading the outbox', /change_outbox/],
  ["the worker's backlog gauge (/metrics, /status)", /select priority, count\(\*\) as count, min\(created_at\)/],
  ["the bench's own gauges (pending, slots)", /count\(\*\)/],
];

export interface ActivityRow {
  readonly kind: string;
  /** Backends running it, on average over the samples: on CPU, and waiting (locks, WAL, I/O). */
  readonly onCpu: number;
  readonly waiting: number;
  /** The waits it spent most samples in, by wait event. */
  readonly topWaits: string;
}

/**
 * A sampling profile of PostgreSQL by statement (pg_stat_statements is not loaded on these
 * machines): every `everyMs`, the active backends of one database, each counted under its
 * statement's kind and whether it was on CPU or waiting, and on what. A backend sampled on CPU
 * a share s of the time costs s of a core.
 */
export class PgActivitySampler {
  private readonly counts = new Map<string, { onCpu: number; waiting: number; waits: Map<string, number> }>();
  private samples = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private client: Client | undefined;

  constructor(
    private readonly databaseUrl: string,
    private readonly everyMs = 50,
  ) {}

  async start(): Promise<void> {
    this.client = new Client({ connectionString: this.databaseUrl });
    this.client.on('error', () => undefined);
    await this.client.connect();
    this.running = true;
    const client = this.client;
    this.loop = (async () => {
      while (this.running) {
        const { rows } = await client
          .query<{ query: string; wait_event_type: string | null; wait_event: string | null }>(
            `select query, wait_event_type, wait_event from pg_stat_activity
             where state = 'active' and datname = current_database() and pid <> pg_backend_pid()`,
          )
          .catch(() => ({ rows: [] }));
        this.samples += 1;
        for (const row of rows) this.count(row.query, row.wait_event_type, row.wait_event);
        await sleep(this.everyMs);
      }
    })();
  }

  async stop(): Promise<ActivityRow[]> {
    this.running = false;
    await this.loop;
    await this.client?.end().catch(() => undefined);
    const n = Math.max(1, this.samples);
    return [...this.counts]
      .map(([kind, c]) => ({
        kind,
        onCpu: c.onCpu / n,
        waiting: c.waiting / n,
        topWaits: [...c.waits].sort((a, b) => b[1] - a[1]).slice(0, 2).map(([w, k]) => `${w} ${fmt(k / n, 2)}`).join(', '),
      }))
      .sort((a, b) => b.onCpu + b.waiting - (a.onCpu + a.waiting));
  }

  get sampleCount(): number {
    return this.samples;
  }

  private count(query: string, waitType: string | null, waitEvent: string | null): void {
    const text = query.replace(/\s+/g, ' ').trim();
    const kind = KINDS.find(([, pattern]) => pattern.test(text))?.[0] ?? `other: ${text.slice(0, 60)}`;
    const entry = this.counts.get(kind) ?? { onCpu: 0, waiting: 0, waits: new Map<string, number>() };
    this.counts.set(kind, entry);
    // pg_stat_activity shows no wait event while the backend runs on a CPU (or waits for one).
    if (waitType === null) entry.onCpu += 1;
    else {
      entry.waiting += 1;
      const wait = `${waitType}:${waitEvent ?? ''}`;
      entry.waits.set(wait, (entry.waits.get(wait) ?? 0) + 1);
    }
  }
}

/** The profile as one note line: the statements that held PostgreSQL, most first. */
export function activityNote(rows: readonly ActivityRow[], samples: number, everyMs: number): string {
  const cpu = rows.reduce((a, r) => a + r.onCpu, 0);
  const top = rows.slice(0, 10).map((r) => `${r.kind}: ${fmt(r.onCpu, 2)} on CPU, ${fmt(r.waiting, 2)} waiting${r.topWaits ? ` (${r.topWaits})` : ''}`);
  return `PostgreSQL by statement (bench/lib/pg-activity.ts: pg_stat_activity sampled every ${everyMs} ms, ${fmt(samples)} samples; backends on average, ${fmt(cpu, 2)} on CPU in all): ${top.join('; ')}.`;
}
