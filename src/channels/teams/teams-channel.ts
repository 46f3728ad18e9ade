import type { Channel, DeliveryReceipt, SendContext } from '../channel';
import { postChatWebhook } from '../chat-webhook-post';
import type { TeamsMessage } from '../messages';
import type { HttpRequester } from '../webhook/webhook-channel';
import type { AckLinkFor } from '../../lib/ack-token';
import { renderTeamsMessage } from './teams-card';
import { renderTeamsDigest } from './teams-digest';

export interface TeamsChannelOptions {
  /** An undici Agent or Pool in production. */
  readonly http: HttpRequester;
  /** Per attempt, for the headers and for the body; default 10 s. */
  readonly timeoutMs?: number;
  /** Acknowledge links for messages that ask for an answer; none: no button. */
  readonly ackLink?: AckLinkFor;
}

/**
 * Teams through a Workflows (Power Automate) webhook: an Adaptive Card in a message envelope.
 * 202 with an empty body is success; a card the flow rejects fails inside the flow, unseen here.
 */
export function createTeamsChannel({ http, timeoutMs = 10_000, ackLink }: TeamsChannelOptions): Channel<TeamsMessage> {
  return {
    kind: 'teams',
    send(message: TeamsMessage, { signal, deliveryId }: SendContext): Promise<DeliveryReceipt> {
      return postChatWebhook({
        http,
        provider: 'teams',
        url: message.webhookUrl,
        body: message.content.digest
          ? renderTeamsDigest(message.content, message.content.digest)
          : renderTeamsMessage(message.content, ackLink?.(deliveryId, message.content)?.url),
        signal,
        timeoutMs,
        errorCode: workflowErrorCode,
      });
    },
  };
}

/** Power Automate answers errors as `{"error":{"code":"WorkflowNotFound",…}}`. */
function workflowErrorCode(body: string): string | undefined {
  try {
    const code = (JSON.parse(body) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' && /^[A-Za-z_]{1,64}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}
