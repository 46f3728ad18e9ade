import type { Pool } from 'pg';
import type { HttpRequester } from '../channels/webhook/webhook-channel';
import { createSsrfGuardedAgent } from '../channels/webhook/ssrf-guard';
import { ConnectionStore } from '../connections/connection-store';
import { CredentialCipher } from '../connections/credential-cipher';
import { parseCredentialKeys } from '../connections/credential-keys';
import type { ConnectionSummary } from '../connections/connection';
import { TokenRefresher } from '../connections/token-refresh';
import type { Logger } from '../lib/logger';
import type { RateLimitSettings } from '../vocabulary';
import { createPartnerAdapters, type PartnerEndpoints } from './partner-adapters';
import { createPartnerChannel } from './partner-channel';
import { constantContactCallback } from './constant-contact/oauth-callback';
import { startErasureSweeps } from './marketing-erasure';

export interface PartnerSystemInput {
  readonly pool: Pool;
  /** CONNECTION_KEYS, already validated at start. */
  readonly connectionKeys: string;
  readonly endpoints: PartnerEndpoints;
  readonly allowAddresses: readonly string[];
  readonly http?: HttpRequester;
  readonly userAgent: string;
  readonly appBaseUrl: string | null;
  readonly logger: Logger;
  /** How often deleted people are erased from the marketing platforms; absent: never (tests sweep by hand). */
  readonly erasureSweepMs?: number;
  readonly now?: () => number;
}

/**
 * Partner connections for the worker: the partner channel, the organization's enabled
 * connections for planning, and each partner's limit. Hook URLs are the tenant's, so requests go
 * through the SSRF guard like every webhook.
 */
export function createPartnerSystem(input: PartnerSystemInput) {
  const keys = parseCredentialKeys(input.connectionKeys);
  if ('problems' in keys) throw new Error('CONNECTION_KEYS is invalid');
  const cipher = new CredentialCipher(keys.keyring);
  const store = new ConnectionStore(input.pool, cipher);
  const agent = input.http ? undefined : createSsrfGuardedAgent({ allow: input.allowAddresses, agent: { connections: 16 } });
  const now = input.now ?? Date.now;
  const tokens = new TokenRefresher(input.pool, cipher, now);
  const http = input.http ?? agent!;
  const adapters = createPartnerAdapters({ http, userAgent: input.userAgent, tokens, endpoints: input.endpoints, appBaseUrl: input.appBaseUrl, now });
  const channel = createPartnerChannel({
    pool: input.pool,
    store,
    adapters,
    onStopped: (connection, reason) =>
      input.logger.error({ connectionId: connection.id, organizationId: connection.organizationId, partner: connection.partner, reason, alert: true }, 'partner connection stopped'),
  });
  const log = input.logger;
  const erasures = input.erasureSweepMs
    ? startErasureSweeps({ pool: input.pool, store, adapters }, input.erasureSweepMs, (error) => log.warn({ err: error }, 'marketing erasure sweep failed; the next one retries'))
    : null;
  const routes = [
    constantContactCallback({
      pool: input.pool,
      store,
      http,
      userAgent: input.userAgent,
      now,
      ...(input.endpoints.CONSTANT_CONTACT_AUTH_URL ? { authUrl: input.endpoints.CONSTANT_CONTACT_AUTH_URL } : {}),
      onOutcome: (outcome) => (outcome.ok ? log.info(outcome, 'constant contact authorized') : log.warn(outcome, 'constant contact authorization failed')),
    }),
  ];
  return {
    channel,
    store,
    adapters,
    routes,
    connectionsFor: (organizationId: string): Promise<ConnectionSummary[]> => store.enabledFor(organizationId),
    limitFor: (partner: string): RateLimitSettings | null => adapters.get(partner)?.rateLimit ?? null,
    close: async () => {
      await erasures?.stop();
      await agent?.close();
    },
  };
}

export type PartnerSystem = ReturnType<typeof createPartnerSystem>;
