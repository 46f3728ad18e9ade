import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Pool } from 'pg';
import { ResendFake } from '../../test/support/fakes/resend-fake';
import { startFakeRealtime, type FakeRealtime, type Follower } from '../../test/support/realtime-server';
import type { BenchDatabase } from './db';
import { ROOT } from './processes';
import { BENCH_SECRET, BENCH_SERVICE_KEY } from './worker-config';

export interface TenantShape {
  readonly organizations: number;
  readonly weddingsPerOrganization: number;
  readonly vendorsPerOrganization: number;
}

/** One wedding and a vendor on it: what a form response names. */
interface Target {
  readonly organizationId: string;
  readonly weddingId: string;
  readonly vendorId: string;
}

const uuid = (kind: number, n: number) => `00000000-0000-4000-8${String(kind).padStart(3, '0')}-${String(n).padStart(12, '0')}`;
const SEQ = /Form (\d+)\b/;

/**
 * A change as it really travels, on loopback: rows written to PostgreSQL (the tenant tables of the
 * migrations, many organizations and weddings), the capture trigger's outbox followed by the fake
 * Realtime server and pushed as postgres_changes (as Supabase does from its replication slot), the
 * worker (another process) with the shipped rules, a partner-webhook receiver and the Resend fake.
 * Each change is a form response whose name carries its sequence number; the time it was written
 * is in the row (`submitted_at`) and here, on this process's clock, which the receivers share.
 */
/** The worker's environment against the loopback Realtime server, the bench's database and the Resend fake. */
export function endToEndEnv(realtimeUrl: string, databaseUrl: string, resend: Pick<ResendFake, 'apiKey' | 'url'>): Record<string, string> {
  return {
    SUPABASE_URL: realtimeUrl,
    SUPABASE_SERVICE_ROLE_KEY: BENCH_SERVICE_KEY,
    DATABASE_URL: databaseUrl,
    WEBHOOK_SECRET_OPS_ARCHIVE: BENCH_SECRET,
    RESEND_API_KEY: resend.apiKey,
    RESEND_BASE_URL: resend.url,
    EMAIL_FROM: 'WedSync <notify@wedsync.test>',
  };
}

export class EndToEndWorld {
  /** seq → epoch ms it was written (the row's submitted_at). */
  readonly writtenAt = new Map<number, number>();
  private seq = 0;
  private readonly targets: Target[] = [];

  private constructor(
    private readonly db: BenchDatabase,
    private readonly writer: Pool,
    readonly realtime: FakeRealtime,
    private readonly follower: Follower,
    private readonly followerPool: Pool,
    private readonly receiver: Server,
    readonly receiverUrl: string,
    readonly resend: ResendFake,
    /** seq → epoch ms of each delivery's arrival, by channel. */
    readonly webhookAt: Map<number, number>,
    readonly emailAt: Map<number, number>,
  ) {}

  static async start(db: BenchDatabase, shape: TenantShape): Promise<EndToEndWorld> {
    const writer = new Pool({ connectionString: db.databaseUrl, max: 4 });
    writer.on('error', () => undefined);
    const webhookAt = new Map<number, number>();
    const emailAt = new Map<number, number>();
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const at = performance.timeOrigin + performance.now();
        const name = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: { record?: { form_name?: string } } }).data?.record?.form_name;
        const seq = SEQ.exec(name ?? '')?.[1];
        if (seq && !webhookAt.has(Number(seq))) webhookAt.set(Number(seq), at);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    receiver.keepAliveTimeout = 60_000;
    await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const resend = await new ResendFake('re_bench_fake_key', (email) => {
      const seq = SEQ.exec(`${email.subject} ${email.text ?? email.html ?? ''}`)?.[1];
      if (seq && !emailAt.has(Number(seq))) emailAt.set(Number(seq), performance.timeOrigin + performance.now());
    }).start();
    const targets = await seedTenants(writer, shape, `${receiverUrl}/partner`);
    const { realtime, follower, followerPool } = await startOutboxFeed(db);
    const world = new EndToEndWorld(db, writer, realtime, follower, followerPool, receiver, receiverUrl, resend, webhookAt, emailAt);
    world.targets.push(...targets);
    return world;
  }

  /** The shipped rules file (config/worker.example.json, outbox mode as shipped), its limits far above the load. */
  workerConfig(queueSchema: string): unknown {
    const example = shippedRules(this.db.schema);
    const unbound = { max: null, perMs: 1_000, maxConcurrent: 16 };
    return {
      ...example,
      webhookEndpoints: [{ name: 'ops-archive', url: `${this.receiverUrl}/archive`, secretEnv: 'WEBHOOK_SECRET_OPS_ARCHIVE', rateLimit: unbound, timeoutMs: 10_000 }],
      partnerWebhooks: { allowAddresses: ['127.0.0.1'] },
      preferences: { defaultHourlyCap: 1_000_000 },
      limits: { email: unbound, sms: unbound, slack: unbound, teams: unbound, in_app: unbound, tenantWebhookTimeoutMs: 10_000 },
      queue: { ...(example.queue as object), schema: queueSchema },
    };
  }

  workerEnv(realtimeUrl = this.realtime.url): Record<string, string> {
    return endToEndEnv(realtimeUrl, this.db.databaseUrl, this.resend);
  }

  /** Writes `n` form responses in one statement (one commit); resolves at the commit. */
  async write(n: number): Promise<number[]> {
    const seqs = Array.from({ length: n }, () => (this.seq += 1));
    const at = performance.timeOrigin + performance.now();
    const rows = seqs.map((seq) => {
      const target = this.targets[(seq * 7919) % this.targets.length]!;
      return { organization_id: target.organizationId, wedding_id: target.weddingId, vendor_id: target.vendorId, form_name: `Form ${seq}`, submitted_at: new Date(at).toISOString() };
    });
    for (const seq of seqs) this.writtenAt.set(seq, at);
    await this.writer.query(
      `insert into form_responses (organization_id, wedding_id, vendor_id, form_name, submitted_at)
       select organization_id, wedding_id, vendor_id, form_name, submitted_at
       from jsonb_to_recordset($1::jsonb) as x(organization_id uuid, wedding_id uuid, vendor_id uuid, form_name text, submitted_at timestamptz)`,
      [JSON.stringify(rows)],
    );
    return seqs;
  }

  /** Transactions committed in this run's database so far (every statement outside a transaction is one). */
  async transactions(): Promise<number> {
    const { rows } = await this.writer.query<{ n: string }>('select pg_stat_get_db_xact_commit(oid)::text as n from pg_database where datname = current_database()');
    return Number(rows[0]!.n);
  }

  /** Both deliveries of every change in `seqs` have arrived. */
  delivered(seqs: readonly number[]): boolean {
    return seqs.every((s) => this.webhookAt.has(s) && this.emailAt.has(s));
  }

  /** Written → received, ms, one per delivery that arrived (both channels). */
  latencies(seqs: readonly number[]): number[] {
    const out: number[] = [];
    for (const s of seqs) {
      const written = this.writtenAt.get(s)!;
      for (const at of [this.webhookAt.get(s), this.emailAt.get(s)]) if (at !== undefined) out.push(at - written);
    }
    return out;
  }

  /** The last arrival of any delivery of `seqs`, epoch ms; NaN when none arrived. */
  lastArrival(seqs: readonly number[]): number {
    let last = 0;
    for (const s of seqs) last = Math.max(last, this.webhookAt.get(s) ?? 0, this.emailAt.get(s) ?? 0);
    return last === 0 ? Number.NaN : last;
  }

  async close(): Promise<void> {
    await stopOutboxFeed({ realtime: this.realtime, follower: this.follower, followerPool: this.followerPool });
    this.receiver.closeAllConnections();
    await new Promise<void>((done) => this.receiver.close(() => done()));
    await this.resend.close();
    await this.writer.end();
  }
}

/** The shipped rules file (config/worker.example.json, outbox mode as shipped), retargeted at the run's schema. */
export function shippedRules(schema: string): Record<string, unknown> {
  const example = JSON.parse(readFileSync(join(ROOT, 'config/worker.example.json'), 'utf8')) as Record<string, unknown>;
  return {
    ...example,
    // The tenant tables of this run live in its own schema, not public.
    subscriptions: (example.subscriptions as object[]).map((subscription) => ({ ...subscription, schema })),
    rules: (example.rules as { match: object }[]).map((rule) => ({ ...rule, match: { ...rule.match, schema } })),
  };
}

export interface OutboxFeed {
  readonly realtime: FakeRealtime;
  readonly follower: Follower;
  readonly followerPool: Pool;
}

/** The loopback Realtime server following the capture trigger's outbox, as Supabase pushes it (from the outbox's current end). */
export async function startOutboxFeed(db: BenchDatabase): Promise<OutboxFeed> {
  const realtime = await startFakeRealtime();
  const followerPool = new Pool({ connectionString: db.databaseUrl, max: 2 });
  followerPool.on('error', () => undefined);
  const follower = await realtime.followDatabase(followerPool, { schema: db.schema });
  return { realtime, follower, followerPool };
}

export async function stopOutboxFeed(feed: OutboxFeed): Promise<void> {
  await feed.follower.stop();
  await feed.realtime.close();
  await feed.followerPool.end();
}

/** Organizations, each with staff, vendors, weddings (a month out or more: normal priority), couples and a partner endpoint. */
async function seedTenants(pool: Pool, shape: TenantShape, endpointUrl: string): Promise<Target[]> {
  const { organizations: orgs, weddingsPerOrganization: weddings, vendorsPerOrganization: vendors } = shape;
  const ids = (kind: number, count: number) => Array.from({ length: count }, (_, i) => uuid(kind, i + 1));
  const orgIds = ids(1, orgs);
  await pool.query(`insert into organizations (id, name, time_zone) select id, 'Org ' || n, (array['Europe/London','America/New_York','Asia/Tokyo','Australia/Sydney'])[1 + n % 4]
                    from unnest($1::uuid[]) with ordinality as o(id, n)`, [orgIds]);
  await pool.query(`insert into organization_staff (organization_id, name, role, email)
                    select id, 'Finance ' || n, 'finance', 'finance' || n || '@org.example' from unnest($1::uuid[]) with ordinality as o(id, n)`, [orgIds]);
  await pool.query(
    `insert into webhook_endpoints (organization_id, name, url, secret, rate_limit_per_minute)
     select id, 'crm', $2, $3, 1000000 from unnest($1::uuid[]) as o(id)`,
    [orgIds, endpointUrl, BENCH_SECRET],
  );
  const vendorRows = orgIds.flatMap((org, o) => Array.from({ length: vendors }, (_, v) => ({ id: uuid(2, o * vendors + v + 1), org })));
  await pool.query(`insert into vendors (id, organization_id, name, email) select id, org, 'Vendor ' || id, 'v' || substr(id::text, 25) || '@vendor.example'
                    from jsonb_to_recordset($1::jsonb) as x(id uuid, org uuid)`, [JSON.stringify(vendorRows)]);
  const weddingRows = orgIds.flatMap((org, o) => Array.from({ length: weddings }, (_, w) => ({ id: uuid(3, o * weddings + w + 1), org, n: o * weddings + w })));
  await pool.query(`insert into weddings (id, organization_id, couple_name, wedding_date, time_zone)
                    select id, org, 'Couple ' || n, current_date + 30 + n % 300, 'Europe/London' from jsonb_to_recordset($1::jsonb) as x(id uuid, org uuid, n int)`, [JSON.stringify(weddingRows)]);
  const links = weddingRows.flatMap((w, i) => [0, 1, 2].map((k) => ({ wedding: w.id, org: w.org, vendor: vendorRows[Math.floor(i / weddings) * vendors + ((i + k) % vendors)]!.id, role: ['photographer', 'venue', 'florist'][k]! })));
  await pool.query(`insert into wedding_vendors (organization_id, wedding_id, vendor_id, role) select org, wedding, vendor, role
                    from jsonb_to_recordset($1::jsonb) as x(org uuid, wedding uuid, vendor uuid, role text)`, [JSON.stringify(links)]);
  await pool.query(`insert into clients (organization_id, wedding_id, name, email) select organization_id, id, 'Partner ' || k || ' of ' || couple_name, 'c' || k || substr(id::text, 25) || '@couple.example'
                    from weddings, generate_series(1, 2) k`);
  // The rows above went through the capture trigger too: the worker must not see them as changes,
  // nor a gap in the outbox ids where they were (it would wait for the gap to fill).
  await pool.query('truncate change_outbox restart identity');
  return links.filter((_, i) => i % 3 === 0).map((l) => ({ organizationId: l.org, weddingId: l.wedding, vendorId: l.vendor }));
}
