import type { AckLinkFor } from '../../lib/ack-token';
import type { Channel, DeliveryReceipt, SendContext } from '../channel';
import { PermanentDeliveryError, RetryableDeliveryError, ShutdownAbortError, type DeliveryError } from '../errors';
import { classifyHttpStatus } from '../http-classify';
import type { NotificationContent, SlackMessage } from '../messages';
import { classifyPgError } from '../pg-classify';
import { raceAbort, throwIfShuttingDown } from '../race-abort';
import { renderSlackMessage } from '../slack/slack-blocks';
import { renderSlackDigest } from '../slack/slack-digest';
import { SLACK_AUTH_ERRORS, type SlackApp, type SlackApps } from './slack-apps';
import { SLACK_RETRYABLE_ERRORS, slackErrorCode } from './slack-web-client';
import type { WeddingChannels } from './wedding-channels';

export interface SlackAppChannelOptions {
  /** The incoming-webhook channel: what has no wedding channel, when the organization pasted a hook. */
  readonly webhook: Channel<SlackMessage>;
  readonly weddings: WeddingChannels;
  /** Each organization's own install (bot token) from the sealed connections. */
  readonly apps: Pick<SlackApps, 'forOrganization' | 'refused'>;
  /** Slack user ids of the organization's people (src/channels/slack-app/slack-invitees.ts). */
  readonly invitees: (organizationId: string, weddingId: string) => Promise<readonly string[]>;
  readonly ackLink?: AckLinkFor;
  readonly interactive?: boolean;
}

/**
 * Slack as the app, with the organization's own bot token (chat.postMessage): a message about a
 * wedding goes to that wedding's channel when the connection asks for channels per wedding
 * (created on its first message, see wedding-channels.ts). Everything else (no wedding, a
 * digest, a wedding whose channel was archived, an app without wedding channels) goes through
 * the organization's incoming webhook when the message carries one (the address book put it
 * there), else to the connection's `defaultChannel`. The message during which Slack refused the
 * token goes through the webhook too (the connection is then stopped and the organization told).
 */
export function createSlackAppChannel(options: SlackAppChannelOptions): Channel<SlackMessage> {
  const { webhook, weddings, apps } = options;

  const post = (app: SlackApp, channel: string, content: NotificationContent, deliveryId: string) => {
    const link = options.ackLink?.(deliveryId, content);
    const ack = link ? (options.interactive ? { interactive: true as const, token: link.token } : { interactive: false as const, url: link.url }) : undefined;
    const payload = content.digest ? renderSlackDigest(content, content.digest) : renderSlackMessage(content, ack);
    return app.client.chat.postMessage({ channel, text: payload.text, blocks: payload.blocks as never, mrkdwn: false, unfurl_links: false, unfurl_media: false });
  };

  /** The channel id to post to, or null: the webhook takes it (or nothing can). */
  const targetOf = async (app: SlackApp, content: NotificationContent, hasHook: boolean): Promise<string | null> => {
    if (content.wedding && !content.digest && app.weddingChannels) {
      const wedding = { id: content.wedding.id, organizationId: content.organization.id, date: content.wedding.date };
      const channel = await weddings.ensure(wedding, {
        client: app.client,
        invitees: () => options.invitees(wedding.organizationId, wedding.id),
        ...(app.weddingChannelPrefix ? { namePrefix: app.weddingChannelPrefix } : {}),
      });
      if (channel) return channel;
    }
    // A pasted hook keeps what it always carried; the default channel is for organizations without one.
    return hasHook ? null : (app.defaultChannel ?? null);
  };

  return {
    kind: 'slack',
    async send(message: SlackMessage, context: SendContext): Promise<DeliveryReceipt> {
      const { content } = message;
      const hook = message.webhookUrl !== undefined ? () => webhook.send(message, context) : null;
      // What only a wedding channel would take from the hook: Slack's API is not asked.
      if (hook && (!content.wedding || content.digest)) return hook();
      throwIfShuttingDown(context.signal);
      const app = await apps.forOrganization(content.organization.id).catch(() => {
        throw new RetryableDeliveryError('slack app connection could not be read');
      });
      if (!app) return hook ? hook() : unreachable('the organization has no incoming webhook and no enabled Slack app connection');
      // The webhook is called outside the try: its own errors are already classified.
      let posted: { ts?: string } | null = null;
      try {
        // The SDK's calls take no signal: a stop stops waiting for them (race-abort.ts).
        const channel = await raceAbort(targetOf(app, content, hook !== null), context.signal);
        if (channel) posted = await raceAbort(post(app, channel, content, context.deliveryId), context.signal);
      } catch (error) {
        if (error instanceof ShutdownAbortError) throw error;
        const code = slackErrorCode(error);
        if (!code || !SLACK_AUTH_ERRORS.has(code)) throw classifySlackApiError(error);
        // Not being able to record the stop must not lose the message: the next refusal records it.
        await apps.refused(app, code).catch(() => undefined);
        if (!hook) return unreachable(`slack ${code}: the Slack app's token was refused and the organization has no incoming webhook`);
      }
      if (posted) return { status: 200, ...(posted.ts ? { providerMessageId: posted.ts } : {}) };
      return hook ? hook() : unreachable("the Slack app connection has no defaultChannel for a message without a wedding channel of its own");
    },
  };
}

function unreachable(why: string): never {
  throw new PermanentDeliveryError(`slack: ${why}`);
}

/** The Slack error code only: SDK errors can carry the request, bot token included. */
function classifySlackApiError(error: unknown): DeliveryError {
  const code = slackErrorCode(error);
  if (code) return SLACK_RETRYABLE_ERRORS.has(code) ? new RetryableDeliveryError(`slack ${code}`) : new PermanentDeliveryError(`slack ${code}`);
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
