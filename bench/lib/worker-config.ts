import { loadConfig, type Config } from '../../src/config/load-config';
import type { Delivery } from '../../src/decide/delivery';
import type { RateLimitSettings } from '../../src/vocabulary';

export const BENCH_SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
export const BENCH_SERVICE_KEY = 'bench-service-role-key-0123456789';
export const BENCH_TABLE = 'bench_changes';

/**
 * The rules file of the worker-process figures: one table-mode subscription, one rule sending
 * every change of the table to one file webhook endpoint (the receiver), no binding rate limit
 * (max null: concurrency only), loopback allowed. Everything else is the worker's defaults.
 */
export function benchRulesFile(receiverUrl: string, extra: { queueSchema?: string; rateLimit?: RateLimitSettings } = {}) {
  return {
    subscriptions: [{ name: 'bench', table: BENCH_TABLE, weddingIdColumn: null }],
    webhookEndpoints: [
      {
        name: 'bench-receiver',
        url: `${receiverUrl}/hooks/wedsync`,
        secretEnv: 'BENCH_WEBHOOK_SECRET',
        rateLimit: extra.rateLimit ?? { max: null, perMs: 1_000, maxConcurrent: 16 },
        timeoutMs: 10_000,
      },
    ],
    rules: [{ name: 'bench-to-receiver', match: { table: BENCH_TABLE }, audiences: [{ type: 'endpoint', name: 'bench-receiver' }] }],
    partnerWebhooks: { allowAddresses: ['127.0.0.1'] },
    ...(extra.queueSchema ? { queue: { schema: extra.queueSchema } } : {}),
  };
}

export function benchEnv(realtimeUrl: string, databaseUrl: string | null): Record<string, string> {
  return {
    SUPABASE_URL: realtimeUrl,
    SUPABASE_SERVICE_ROLE_KEY: BENCH_SERVICE_KEY,
    BENCH_WEBHOOK_SECRET: BENCH_SECRET,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
}

/** A Config for an in-process app, through the real loader. */
export function benchConfig(file: unknown, env: Record<string, string>): Config {
  // A short shutdown deadline: in-process apps are stopped with deliveries still waiting on a limit.
  return loadConfig({ env: { HEALTH_HOST: '127.0.0.1', HEALTH_PORT: '0', CONFIG_FILE: 'bench.json', SHUTDOWN_TIMEOUT_MS: '1000', ...env }, readFile: () => JSON.stringify(file) });
}

/** A realistic partner webhook body (~700 bytes), the same bytes for every path compared. */
export const WEBHOOK_BODY = JSON.stringify({
  type: 'payment.received',
  timestamp: '2026-11-25T12:00:00.000Z',
  data: {
    event_id: 'evt_3f2a9c0d5e1b4a7f8c6d2e0b1a3c5d7e',
    kind: 'payment.received',
    organization_id: '00000000-0000-4000-8001-000000000001',
    wedding_id: '00000000-0000-4000-8006-000000000001',
    schema: 'public',
    table: 'payments',
    operation: 'UPDATE',
    commit_timestamp: '2026-11-25T12:00:00.000Z',
    primary_key: { id: '00000000-0000-4000-8007-000000000042' },
    record: { id: '00000000-0000-4000-8007-000000000042', organization_id: '00000000-0000-4000-8001-000000000001', wedding_id: '00000000-0000-4000-8006-000000000001', vendor_id: '00000000-0000-4000-8002-000000000100', amount_cents: 125000, currency: 'GBP', status: 'received' },
    old_record: { id: '00000000-0000-4000-8007-000000000042', status: 'pending' },
    priority: { level: 'normal', score: 45, reasons: ['payment.received is normal'] },
  },
});

let seq = 0;

/** A webhook delivery as the planner makes it, to `url`, with its own id. */
export function webhookDelivery(url: string, overrides: Partial<Delivery> & { tag?: string } = {}): Delivery {
  seq += 1;
  const { tag = 'bench', ...rest } = overrides;
  return {
    id: `dlv_${tag}_${seq}`,
    eventId: `evt_${tag}_${seq}`,
    organizationId: '00000000-0000-4000-8001-000000000001',
    weddingId: null,
    kind: 'payment.received',
    channel: 'webhook',
    recipient: { kind: 'endpoint', id: `${tag}-endpoint` },
    priority: { level: 'normal', score: 45, reasons: ['payment.received is normal'] },
    notBeforeMs: null,
    deadlineMs: null,
    message: { channel: 'webhook', url, secrets: [BENCH_SECRET], timeoutMs: 10_000, body: WEBHOOK_BODY },
    rateLimit: null,
    fallbacks: [],
    notes: [],
    log: { table: 'payments', operation: 'UPDATE', rule: 'bench' },
    ...rest,
  };
}
