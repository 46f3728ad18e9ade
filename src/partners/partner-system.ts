import type { Pool } from 'pg';
import type { HttpRequester } from '../channels/webhook/webhook-channel';
import { createSsrfGuardedAgent } from '../channels/webhook/ssrf-guard';
import { ConnectionStore } from '../connections/connection-store';
import { CredentialCipher } from '../connections/credential-cipher';
import { parseCredentialKeys } from '../connections/credential-keys';
import type { ConnectionSummary } from '../connections/connection';
import type { Logger } from '../lib/logger';
import type { RateLimitSettings } from '../vocabulary';
import { createPartnerAdapters, type PartnerEndpoints } from './partner-adapters';
import { createPartnerChannel } from './partner-channel';

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
  /** A connection was just stopped (once across replicas): e.g. tell the organization's chat. */
  readonly onStopped?: (connection: ConnectionSummary, reason: string) => void;
}

/**
 * Partner connections for the worker: the partner channel, the organization's enabled
 * connections for planning, and each partner's limit. Hook URLs are the tenant's, so requests go
 * through the SSRF guard like every webhook.
 */
export function createPartnerSystem(input: PartnerSystemInput) {
  const keys = parseCredentialKeys(input.connectionKeys);
  if ('problems' in keys) throw new Error('CONNECTION_KEYS is invalid');
  const store = new ConnectionStore(input.pool, new CredentialCipher(keys.keyring));
  const agent = input.http ? undefined : createSsrfGuardedAgent({ allow: input.allowAddresses, agent: { connections: 16 } });
  const adapters = createPartnerAdapters(input.http ?? agent!, input.userAgent, input.endpoints, input.appBaseUrl);
  const channel = createPartnerChannel({
    pool: input.pool,
    store,
    adapters,
    onStopped: (connection, reason) => {
      input.logger.error({ connectionId: connection.id, organizationId: connection.organizationId, partner: connection.partner, reason, alert: true }, 'partner connection stopped');
      input.onStopped?.(connection, reason);
    },
  });
  return {
    channel,
    store,
    connectionsFor: (organizationId: string): Promise<ConnectionSummary[]> => store.enabledFor(organizationId),
    limitFor: (partner: string): RateLimitSettings | null => adapters.get(partner)?.rateLimit ?? null,
    close: async () => {
      await agent?.close();
    },
  };
}

export type PartnerSystem = ReturnType<typeof createPartnerSystem>;
