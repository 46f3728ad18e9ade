import { Agent } from 'undici';
import type { ConnectionProbe } from '../connections/connection';
import type { TokenRefresher } from '../connections/token-refresh';
import { DeliveryError } from '../channels/errors';
import { createPartnerAdapters } from './partner-adapters';
import { probeSlackConnection } from '../channels/slack-app/slack-probe';

/** `connections test`: one harmless request to the partner with the stored credentials. */
export const probeConnection: ConnectionProbe<TokenRefresher> = async (connection, env, tokens) => {
  if (connection.partner === 'slack') return probeSlackConnection(connection, env);
  const agent = new Agent();
  try {
    const adapter = createPartnerAdapters({ http: agent, userAgent: 'wedsync-realtime-worker/0.1 (connections test)', tokens, endpoints: env }).get(connection.partner);
    if (!adapter) return { ok: false, detail: `no adapter for ${connection.partner}` };
    return { ok: true, detail: await adapter.probe(connection, AbortSignal.timeout(30_000)) };
  } catch (error) {
    // Classified failures carry no secret; anything else is named by its class only.
    return { ok: false, detail: error instanceof DeliveryError ? error.message : `request failed (${error instanceof Error ? error.name : 'error'})` };
  } finally {
    await agent.close();
  }
};
