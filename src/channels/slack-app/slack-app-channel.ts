import type { WebClient } from '@slack/web-api';
import type { AckLinkFor } from '../../lib/ack-token';
import type { Channel, DeliveryReceipt, SendContext } from '../channel';
import { PermanentDeliveryError, RetryableDeliveryError, type DeliveryError } from '../errors';
import type { SlackMessage } from '../messages';
import { throwIfShuttingDown } from '../race-abort';
import { renderSlackMessage } from '../slack/slack-blocks';
import { classifyHttpStatus } from '../http-classify';
import { classifyPgError } from '../pg-classify';
import { slackErrorCode } from './slack-web-client';
import type { WeddingChannels } from './wedding-channels';

export interface SlackAppChannelOptions {
  /** The incoming-webhook channel: messages about no wedding, digests, archived weddings. */
  readonly webhook: Channel<SlackMessage>;
  readonly weddings: WeddingChannels;
  readonly slack: WebClient;
  readonly ackLink?: AckLinkFor;
  readonly interactive?: boolean;
}

// Errors that clear on their own; everything else Slack names is a configuration or data problem.
const RETRYABLE = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/**
 * Slack as the app: a message about a wedding goes to that wedding's channel (created on its
 * first message, see wedding-channels.ts) through chat.postMessage; anything else, and a
 * wedding whose channel was archived, still goes through the organization's incoming webhook.
 */
export function createSlackAppChannel(options: SlackAppChannelOptions): Channel<SlackMessage> {
  const { webhook, weddings, slack } = options;
  return {
    kind: 'slack',
    async send(message: SlackMessage, context: SendContext): Promise<DeliveryReceipt> {
      const { content } = message;
      if (!content.wedding || content.digest) return webhook.send(message, context);
      throwIfShuttingDown(context.signal);
      try {
        const channel = await weddings.ensure({ id: content.wedding.id, organizationId: content.organization.id, date: content.wedding.date });
        if (!channel) return webhook.send(message, context);
        const link = options.ackLink?.(context.deliveryId, content);
        const payload = renderSlackMessage(content, link ? (options.interactive ? { interactive: true, token: link.token } : { interactive: false, url: link.url }) : undefined);
        const posted = await slack.chat.postMessage({ channel, text: payload.text, blocks: payload.blocks as never, mrkdwn: false, unfurl_links: false, unfurl_media: false });
        return { status: 200, ...(posted.ts ? { providerMessageId: posted.ts } : {}) };
      } catch (error) {
        throw classifySlackApiError(error);
      }
    },
  };
}

/** The Slack error code only: SDK errors can carry the request, bot token included. */
function classifySlackApiError(error: unknown): DeliveryError {
  const code = slackErrorCode(error);
  if (code) return RETRYABLE.has(code) ? new RetryableDeliveryError(`slack ${code}`) : new PermanentDeliveryError(`slack ${code}`);
  const sdkCode = (error as { code?: unknown } | null)?.code;
  if (sdkCode === 'slack_webapi_rate_limited_error') {
    const retryAfter = (error as { retryAfter?: unknown }).retryAfter;
    return new RetryableDeliveryError('slack ratelimited', 429, typeof retryAfter === 'number' ? retryAfter * 1000 : undefined);
  }
  // Slack answered neither 200 nor 429: by status, 5xx retried.
  if (sdkCode === 'slack_webapi_http_error') {
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number') return classifyHttpStatus(status, {}) ?? new RetryableDeliveryError(`slack HTTP ${status}`, status);
  }
  // The channel lookup's database (SQLSTATE, its dropped connections), a network failure inside
  // the SDK's request error: retried. Anything else, a bug included: permanent, named by class only.
  return classifyPgError(error);
}
