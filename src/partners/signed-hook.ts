import type { DeliveryReceipt, SendContext } from '../channels/channel';
import { DeliveryError } from '../channels/errors';
import { createWebhookChannel, type HttpRequester } from '../channels/webhook/webhook-channel';
import type { ConnectionOptions, PartnerName } from '../connections/connection';
import type { RateLimitSettings } from '../vocabulary';
import { ConnectionRefusedError, type PartnerAdapter } from './partner';
import type { WeddingSnapshot } from './wedding-snapshot';

// A hook answering these no longer takes our posts: the Zap is off or deleted, the venue system
// retired the URL, or it refuses our signature. The connection stops until a person fixes it.
const HOOK_GONE = new Set([401, 403, 404, 410]);

export interface SignedHookOptions {
  readonly partner: PartnerName;
  readonly http: HttpRequester;
  readonly userAgent: string;
  readonly rateLimit: RateLimitSettings;
  readonly body: (snapshot: WeddingSnapshot, change: string, options: ConnectionOptions) => unknown;
  readonly timeoutMs?: number;
}

/**
 * A partner reached through a URL it gave us (a Zapier catch hook, a venue system's inbound
 * hook), signed with Standard Webhooks exactly like every webhook: the webhook channel sends it,
 * `webhook-id` is the delivery id so the receiver can drop a retry it already has.
 */
export function createSignedHookAdapter(options: SignedHookOptions): PartnerAdapter {
  const webhook = createWebhookChannel({ http: options.http, userAgent: options.userAgent });
  return {
    partner: options.partner,
    rateLimit: options.rateLimit,
    async push({ connection, snapshot, change }, context: SendContext): Promise<DeliveryReceipt> {
      const { credentials } = connection;
      const body = JSON.stringify(options.body(snapshot, change, connection.options));
      const url = credentials.hookUrl ?? credentials.url ?? '';
      try {
        return await webhook.send({ channel: 'webhook', url, secrets: [credentials.signingSecret ?? ''], timeoutMs: options.timeoutMs ?? 30_000, body }, context);
      } catch (error) {
        if (error instanceof DeliveryError && error.status !== undefined && HOOK_GONE.has(error.status)) {
          throw new ConnectionRefusedError(`${options.partner} hook answered ${error.status}: turn the automation back on or paste its new URL`, error.status, 'hook_gone');
        }
        throw error;
      }
    },
    // Any POST would run the partner's automation: nothing harmless to send, so check the shape.
    probe: async (connection) => `${options.partner} hook and signing secret are stored; a hook has no harmless test request (${connection.options.changes.join(', ')})`,
  };
}
