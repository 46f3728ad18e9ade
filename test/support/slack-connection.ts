import type { Pool } from 'pg';
import { ConnectionStore } from '../../src/connections/connection-store';
import { cipherFor, keyEntry } from './connection-keys';

/** CONNECTION_KEYS for a test worker, and a way to add an organization's Slack app to it. */
export function slackConnections(pool: Pool, connectionKeys = keyEntry('k1')) {
  const store = new ConnectionStore(pool, cipherFor(connectionKeys));
  return {
    connectionKeys,
    store,
    /** The organization's install: its bot token, sealed, as `connections add --partner slack` stores it. */
    add: (organizationId: string, botToken: string, options: { weddingChannels?: boolean; weddingChannelPrefix?: string; defaultChannel?: string } = {}) =>
      store.add({ organizationId, partner: 'slack', name: 'Slack', options, credentials: { botToken } }),
  };
}
