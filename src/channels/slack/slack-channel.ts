import type { Channel, DeliveryReceipt, SendContext } from '../channel';
import { PermanentDeliveryError } from '../errors';
import { postChatWebhook } from '../chat-webhook-post';
import type { SlackMessage } from '../messages';
import type { HttpRequester } from '../webhook/webhook-channel';
import type { AckLinkFor } from '../../lib/ack-token';
import { renderSlackMessage } from './slack-blocks';
import { renderSlackDigest } from './slack-digest';

export interface SlackChannelOptions {
  /** An undici Agent or Pool in production. */
  readonly http: HttpRequester;
  /** Per attempt, for the headers and for the body; default 10 s. */
  readonly timeoutMs?: number;
  /** Acknowledge links for messages that ask for an answer; none: no button. */
  readonly ackLink?: AckLinkFor;
  /** The Slack app's interactions route is served: a real button instead of a link. */
  readonly interactive?: boolean;
}

/** Slack incoming webhooks: Block Kit with a text fallback; Slack answers `ok` or a plain-text error code. */
export function createSlackChannel({ http, timeoutMs = 10_000, ackLink, interactive = false }: SlackChannelOptions): Channel<SlackMessage> {
  return {
    kind: 'slack',
    async send(message: SlackMessage, { signal, deliveryId }: SendContext): Promise<DeliveryReceipt> {
      // Planned for the organization's Slack app, sent by a worker without CONNECTION_KEYS.
      if (message.webhookUrl === undefined) throw new PermanentDeliveryError('slack: the organization has no incoming webhook, and this worker has no Slack app connections');
      const link = ackLink?.(deliveryId, message.content);
      return postChatWebhook({
        http,
        provider: 'slack',
        url: message.webhookUrl,
        body: message.content.digest
          ? renderSlackDigest(message.content, message.content.digest)
          : renderSlackMessage(message.content, link ? (interactive ? { interactive: true, token: link.token } : { interactive: false, url: link.url }) : undefined),
        signal,
        timeoutMs,
        errorCode: (body) => /^[a-z_]{1,64}\b/.exec(body.trim())?.[0],
      });
    },
  };
}
