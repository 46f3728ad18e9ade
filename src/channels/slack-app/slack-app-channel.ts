import type { AckLinkFor } from '../../lib/ack-token';
import type { Channel, DeliveryReceipt, SendContext } from '../channel';
import { PermanentDeliveryError, RetryableDeliveryError, ShutdownAbortError, type DeliveryError } from '../errors';
import type { SlackMessage } from '../messages';
import { raceAbort, throwIfShuttingDown } from '../race-abort';
import { renderSlackMessage } from '../slack/slack-blocks';
import { classifyHttpStatus } from '../http-classify';
import { classifyPgError } from '../pg-classify';
import { SLACK_AUTH_ERRORS, type SlackApps } from './slack-apps';
import { slackErrorCode } from './slack-web-client';
import type { WeddingChannels } from './wedding-channels';

export interface SlackAppChannelOptions {
  /** The incoming-webhook channel: messages about no wedding, digests, archived weddings. */
  readonly webhook: Channel<SlackMessage>;
  readonly weddings: WeddingChannels;
  /** Each organization's own install (bot token) from the sealed connections. */
  readonly apps: Pick<SlackApps, 'forOrganization' | 'refused'>;
  /** Slack user ids of the organization's people (src/channels/slack-app/slack-invitees.ts). */
  readonly invitees: (organizationId: string, weddingId: string) => Promise<readonly string[]>;
  readonly ackLink?: AckLinkFor;
  readonly interactive?: boolean;
}

// Errors that clear on their own; everything else Slack names is a configuration or data problem.
const RETRYABLE = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/**
 * Slack as the app, with the organization's own bot token: when its connection asks for a
 * channel per wedding, a message about a wedding goes to that wedding's channel (created on its
 * first message, see wedding-channels.ts) through chat.postMessage. Anything else (no app, no
 * wedding, a digest, a wedding whose channel was archived) goes through the organization's
 * incoming webhook, as does the message during which Slack refused the token (the connection
 * is then stopped and the organization told).
 */
export function createSlackAppChannel(options: SlackAppChannelOptions): Channel<SlackMessage> {
  const { webhook, weddings, apps } = options;
  return {
    kind: 'slack',
    async send(message: SlackMessage, context: SendContext): Promise<DeliveryReceipt> {
      const { content } = message;
      if (!content.wedding || content.digest) return webhook.send(message, context);
      throwIfShuttingDown(context.signal);
      const organizationId = content.organization.id;
      const wedding = { id: content.wedding.id, organizationId, date: content.wedding.date };
      const app = await apps.forOrganization(organizationId).catch(() => {
        throw new RetryableDeliveryError('slack app connection could not be read');
      });
      if (!app?.weddingChannels) return webhook.send(message, context);
      const slack = app.client;
      const post = (channel: string) => {
        const link = options.ackLink?.(context.deliveryId, content);
        const payload = renderSlackMessage(content, link ? (options.interactive ? { interactive: true, token: link.token } : { interactive: false, url: link.url }) : undefined);
        return slack.chat.postMessage({ channel, text: payload.text, blocks: payload.blocks as never, mrkdwn: false, unfurl_links: false, unfurl_media: false });
      };
      // The webhook is called outside the try: its own errors are already classified.
      let posted: { ts?: string } | null;
      try {
        // The SDK's calls take no signal: a stop stops waiting for them (race-abort.ts).
        const channel = await raceAbort(
          weddings.ensure(wedding, {
            client: slack,
            invitees: () => options.invitees(organizationId, wedding.id),
            ...(app.weddingChannelPrefix ? { namePrefix: app.weddingChannelPrefix } : {}),
          }),
          context.signal,
        );
        posted = channel ? await raceAbort(post(channel), context.signal) : null;
      } catch (error) {
        if (error instanceof ShutdownAbortError) throw error;
        const code = slackErrorCode(error);
        if (!code || !SLACK_AUTH_ERRORS.has(code)) throw classifySlackApiError(error);
        // Not being able to record the stop must not lose the message: the next refusal records it.
        await apps.refused(app, code).catch(() => undefined);
        posted = null;
      }
      if (!posted) return webhook.send(message, context);
      return { status: 200, ...(posted.ts ? { providerMessageId: posted.ts } : {}) };
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
