import type { Pool } from 'pg';
import type { Channel, DeliveryReceipt, SendContext } from '../channels/channel';
import { DeliveryError, PermanentDeliveryError, ShutdownAbortError } from '../channels/errors';
import { classifyPgError } from '../channels/pg-classify';
import type { PartnerMessage } from '../channels/messages';
import type { ConnectionSummary } from '../connections/connection';
import { CredentialsUnreadableError } from '../connections/credential-cipher';
import type { ConnectionStore } from '../connections/connection-store';
import { PartnerLinks } from '../connections/partner-links';
import { ConnectionRefusedError, type PartnerAdapter } from './partner';
import { withRecordLock } from './record-lock';
import { loadWeddingSnapshot } from './wedding-snapshot';

export interface PartnerChannelOptions {
  readonly pool: Pool;
  readonly store: ConnectionStore;
  readonly adapters: ReadonlyMap<string, PartnerAdapter>;
  /** A connection was just stopped because the partner refused it: tell its organization, once. */
  readonly onStopped?: (connection: ConnectionSummary, reason: string) => void;
}

/**
 * The partner family behind the channel interface. The message names a connection and a
 * wedding; the send opens the connection's credentials, reads the wedding as it is now under a
 * per-record lock, and hands both to that partner's adapter. A refused credential stops the
 * connection with its reason, once, and leaves every other connection alone.
 */
export function createPartnerChannel({ pool, store, adapters, onStopped }: PartnerChannelOptions): Channel<PartnerMessage> {
  return {
    kind: 'partner',
    async send(message: PartnerMessage, context: SendContext): Promise<DeliveryReceipt> {
      if (context.signal.aborted) throw new ShutdownAbortError();
      const connection = await opened(store, message.connectionId);
      if (!connection.enabled) throw new PermanentDeliveryError(`connection ${connection.name} is off: ${connection.health.reason ?? connection.health.state}`);
      const adapter = adapters.get(connection.partner);
      if (!adapter) throw new PermanentDeliveryError(`no adapter for partner ${connection.partner}`);
      try {
        const receipt = await withRecordLock(pool, `${connection.id}:${message.weddingId}`, context.signal, async (client) => {
          const snapshot = await loadWeddingSnapshot(client, message.organizationId, message.weddingId);
          if (!snapshot) throw new PermanentDeliveryError('the wedding no longer exists');
          const links = new PartnerLinks(client);
          const book = { get: (wedding: string) => links.get(connection.id, wedding), set: (wedding: string, id: string) => links.set(connection.id, wedding, id) };
          return adapter.push({ connection, snapshot, change: message.change, links: book, db: client }, context);
        });
        if (connection.health.state !== 'ok') await store.markHealthy(connection.id).catch(() => undefined);
        return receipt;
      } catch (error) {
        if (context.signal.aborted) throw new ShutdownAbortError();
        if (error instanceof ConnectionRefusedError && (await store.stop(connection.id, 'revoked', error.message))) onStopped?.(connection, error.message);
        if (error instanceof DeliveryError || error instanceof ShutdownAbortError) throw error;
        // The database under the send (lock, snapshot, links) failed: retried by its SQLSTATE or
        // dropped connection. Anything else (an adapter's bug) is permanent, named by class only.
        throw classifyPgError(error);
      }
    },
  };
}

async function opened(store: ConnectionStore, id: string) {
  try {
    const connection = await store.open(id);
    if (!connection) throw new PermanentDeliveryError('the connection no longer exists');
    return connection;
  } catch (error) {
    if (error instanceof DeliveryError) throw error;
    if (error instanceof CredentialsUnreadableError) throw new PermanentDeliveryError(error.message);
    throw classifyPgError(error);
  }
}
