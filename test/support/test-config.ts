import { loadConfig, type Config } from '../../src/config/load-config';

export const TEST_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
export const TEST_SERVICE_KEY = 'test-service-role-key-0123456789';

export interface TestConfigOptions {
  readonly realtimeUrl: string;
  readonly receiverUrl: string;
  /** Merged over the default worker config (shallow, per top-level key). */
  readonly worker?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}

/** A real Config, built by the real loader, pointing at loopback fakes with fast timings. */
export function testConfig({ realtimeUrl, receiverUrl, worker = {}, env = {} }: TestConfigOptions): Config {
  const file = {
    subscriptions: [{ name: 'weddings', table: 'weddings' }],
    webhookEndpoints: [
      { name: 'partner-crm', url: `${receiverUrl}/hooks/wedsync`, secretEnv: 'PARTNER_CRM_SECRET', timeoutMs: 2_000 },
    ],
    rules: [{ name: 'weddings-to-crm', match: { table: 'weddings' }, audiences: [{ type: 'endpoint', name: 'partner-crm' }] }],
    retry: { attempts: 4, minDelayMs: 20, maxDelayMs: 200, factor: 2, maxRetryAfterMs: 5_000 },
    partnerWebhooks: { allowAddresses: ['127.0.0.1'] },
    intake: { heartbeatIntervalMs: 250, joinTimeoutMs: 500, liveTimeoutMs: 5_000, rebuildDelaysMs: [50, 100, 200] },
    ...worker,
  };
  return loadConfig({
    env: {
      SUPABASE_URL: realtimeUrl,
      SUPABASE_SERVICE_ROLE_KEY: TEST_SERVICE_KEY,
      HEALTH_HOST: '127.0.0.1',
      HEALTH_PORT: '0',
      SHUTDOWN_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'debug',
      CONFIG_FILE: 'test.json',
      PARTNER_CRM_SECRET: TEST_SECRET,
      ...env,
    },
    readFile: () => JSON.stringify(file),
  });
}
