import type { Channel, DeliveryReceipt, SendContext } from '../channel';
import { postChatWebhook } from '../chat-webhook-post';
import type { SlackMessage } from '../messages';
import type { HttpRequester } from '../webhook/webhook-channel';
import { renderSlackMessage } from './slack-blocks';
import { renderSlackDigest } from './slack-digest';

export interface SlackChannelOptions {
  /** An undici Agent or Pool in production. */
  readonly http: HttpRequester;
  /** Per attempt, for the headers and for the body; default 10 s. */
  readonly timeoutMs?: number;
}

/** Slack incoming webhooks: Block Kit with a text fallback; Slack answers `ok` or a plain-text error code. */
export function createSlackChannel({ http, timeoutMs = 10_000 }: SlackChannelOptions): Channel<SlackMessage> {
  return {
    kind: 'slack',
    send(message: SlackMessage, { signal }: SendContext): Promise<DeliveryReceipt> {
      return postChatWebhook({
        http,
        provider: 'slack',
        url: message.webhookUrl,
        body: message.content.digest ? renderSlackDigest(message.content, message.content.digest) : renderSlackMessage(message.content),
        signal,
        timeoutMs,
        errorCode: (body) => /^[a-z_]{1,64}\b/.exec(body.trim())?.[0],
      });
    },
  };
}
