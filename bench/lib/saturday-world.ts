import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { ResendFake } from '../../test/support/fakes/resend-fake';
import { SlackFake } from '../../test/support/fakes/slack-fake';
import { TwilioFake } from '../../test/support/fakes/twilio-fake';
import type { BenchDatabase } from './db';
import { endToEndEnv, shippedRules, startOutboxFeed, stopOutboxFeed, type OutboxFeed } from './e2e-world';
import { seedSaturday, type SeedCounts } from './saturday-seed';

/**
 * Provider limits as a production account has them (figure 11), with their source in
 * /work/shared/reference/providers.md. `perS` is what the report compares demand with.
 */
export const PRODUCTION_LIMITS = {
  email: { max: 10, perMs: 1_000, maxConcurrent: 10, perS: 10, source: 'Resend, per team: 2 req/s by default in the older docs, 5 req/s in the newer snapshot, 10 req/s reported after an increase (providers.md §1); a paid team with its limit raised' },
  sms: { max: 100, perMs: 1_000, maxConcurrent: 16, perS: 100, source: 'Twilio Messaging Service on a short code: 100+ segments/s (a long code ~1/s; account cap 2,000 MPS; providers.md §2); one sender, as the worker sends from TWILIO_FROM' },
  slack: { max: 1, perMs: 1_000, maxConcurrent: 1, perS: 1, source: 'Slack incoming webhooks: 1 a second per hook (providers.md §3), each organization its own hook' },
  teams: { max: 4, perMs: 1_000, maxConcurrent: 2, perS: 4, source: 'shipped (no Teams hooks in this run)' },
  in_app: { max: 500, perMs: 1_000, maxConcurrent: 16, perS: 500, source: "shipped: writes to this database's notifications table" },
} as const;
export const PARTNER_PER_MINUTE = 100;
/** The shipped file's own archive endpoint (every payment goes there), left at its shipped limit. */
export const ARCHIVE_LIMIT = { max: 600, perMs: 60_000, maxConcurrent: 8 } as const;

/** What one channel's receiver has seen: arrivals so far. */
export type Received = Record<'webhook' | 'archive' | 'email' | 'sms' | 'slack', number>;

/**
 * The loopback world of a wedding Saturday: the Saturday's tenant data (saturday-seed.ts), the
 * outbox feed of figure 8 (e2e-world.ts), and a receiver per channel: the Resend, Twilio and
 * Slack fakes of the tests (each checks the request's shape, as the provider would) and a plain
 * counting server for the partner endpoints and the archive.
 */
export class SaturdayWorld {
  private constructor(
    /** Arrivals so far, counted by the receivers' callbacks. */
    readonly received: Received,
    private readonly db: BenchDatabase,
    readonly writer: Pool,
    private readonly feed: OutboxFeed,
    private readonly receiver: Server,
    private readonly receiverUrl: string,
    readonly resend: ResendFake,
    readonly twilio: TwilioFake,
    readonly slack: SlackFake,
    readonly seed: SeedCounts,
  ) {}

  static async start(db: BenchDatabase, weddings: number): Promise<SaturdayWorld> {
    const received: Received = { webhook: 0, archive: 0, email: 0, sms: 0, slack: 0 };
    const receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received[req.url?.startsWith('/archive') ? 'archive' : 'webhook'] += 1;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    receiver.keepAliveTimeout = 60_000;
    await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const resend = await new ResendFake('re_bench_fake_key', () => void (received.email += 1)).start();
    const twilio = await new TwilioFake(undefined, undefined, () => void (received.sms += 1)).start();
    const slack = await new SlackFake(() => void (received.slack += 1)).start();
    const writer = new Pool({ connectionString: db.databaseUrl, max: 4 });
    writer.on('error', () => undefined);
    const hooks = Array.from({ length: Math.ceil(weddings / 25) }, () => slack.hookUrl());
    const seed = await seedSaturday(writer, weddings, hooks, `${receiverUrl}/partner`);
    const feed = await startOutboxFeed(db);
    return new SaturdayWorld(received, db, writer, feed, receiver, receiverUrl, resend, twilio, slack, seed);
  }

  /** The shipped rules with production limits; everything else (caps, wedding-day mode, digests, retries) as shipped. */
  workerConfig(queueSchema: string): unknown {
    const shipped = shippedRules(this.db.schema);
    const limits = Object.fromEntries(Object.entries(PRODUCTION_LIMITS).map(([channel, { max, perMs, maxConcurrent }]) => [channel, { max, perMs, maxConcurrent }]));
    return {
      ...shipped,
      webhookEndpoints: [{ name: 'ops-archive', url: `${this.receiverUrl}/archive`, secretEnv: 'WEBHOOK_SECRET_OPS_ARCHIVE', rateLimit: ARCHIVE_LIMIT, timeoutMs: 10_000 }],
      partnerWebhooks: { allowAddresses: ['127.0.0.1'] },
      limits: { ...(shipped.limits as object), ...limits },
      queue: { ...(shipped.queue as object), schema: queueSchema },
    };
  }

  workerEnv(): Record<string, string> {
    return {
      ...endToEndEnv(this.feed.realtime.url, this.db.databaseUrl, this.resend),
      TWILIO_ACCOUNT_SID: this.twilio.accountSid,
      TWILIO_AUTH_TOKEN: this.twilio.authToken,
      TWILIO_FROM: '+14155550199',
      TWILIO_BASE_URL: this.twilio.url,
    };
  }

  async close(): Promise<void> {
    await stopOutboxFeed(this.feed);
    this.receiver.closeAllConnections();
    await new Promise<void>((done) => this.receiver.close(() => done()));
    await Promise.all([this.resend.close(), this.twilio.close(), this.slack.close()]);
    await this.writer.end();
  }
}
