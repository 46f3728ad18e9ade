import type { ServerResponse } from 'node:http';
import type { AckTokens } from '../lib/ack-token';
import type { Logger } from '../lib/logger';
import { pathPattern, type PublicRoute } from '../outcome/public-server';
import type { AckResult, AckStore } from './ack-store';
import { acknowledgedBlocks, SLACK_ACK_ACTION } from './slack-ack-blocks';
import { verifySlackSignature } from './slack-signature';
import type { SlackUpdater } from './slack-updater';
import { slackErrorCode } from '../channels/slack-app/slack-web-client';

/** Slack shows an error after 3 s; we answer before, whatever the database is doing. */
const ANSWER_WITHIN_MS = 2_500;

export interface SlackInteractionsOptions {
  readonly signingSecret: string;
  readonly tokens: AckTokens;
  readonly store: AckStore;
  readonly updater: SlackUpdater | null;
  readonly logger: Logger;
  readonly now: () => number;
  readonly onAck?: (result: AckResult) => void;
}

interface BlockActions {
  type?: unknown;
  user?: { id?: unknown; username?: unknown; name?: unknown };
  actions?: { action_id?: unknown; value?: unknown }[];
  channel?: { id?: unknown };
  container?: { channel_id?: unknown; message_ts?: unknown };
  message?: { ts?: unknown; blocks?: unknown };
}

/**
 * POST /slack/interactions: the app's Request URL (Interactivity). The signature is checked on
 * the raw body before anything is parsed; an "Acknowledge" click records the acknowledgement,
 * answers 200, and then rewrites the message with chat.update.
 */
export function slackInteractionsRoute(options: SlackInteractionsOptions): PublicRoute {
  const log = options.logger.child({ component: 'slack-interactions' });
  return {
    method: 'POST',
    match: pathPattern('/slack/interactions'),
    // Block Kit payloads with a full message can be large; still bounded.
    maxBodyBytes: 256 * 1024,
    async handle({ req, body }, res) {
      const check = verifySlackSignature({
        signingSecret: options.signingSecret,
        timestamp: header(req.headers['x-slack-request-timestamp']),
        signature: header(req.headers['x-slack-signature']),
        rawBody: body,
        nowMs: options.now(),
      });
      if (!check.ok) {
        log.warn({ reason: check.reason }, 'slack request refused');
        return reply(res, 401, 'invalid signature');
      }
      const payload = parsePayload(body);
      const action = payload?.actions?.find((a) => a.action_id === SLACK_ACK_ACTION);
      if (!payload || payload.type !== 'block_actions' || !action || typeof action.value !== 'string') return reply(res, 200, '');
      const verdict = options.tokens.verify(action.value, options.now());
      if (!verdict.ok) {
        log.warn({ reason: verdict.reason }, 'slack acknowledge with an unusable token');
        return reply(res, 200, '');
      }
      const userId = typeof payload.user?.id === 'string' ? payload.user.id : 'unknown';
      const name = [payload.user?.name, payload.user?.username].find((n): n is string => typeof n === 'string') ?? null;
      // Whose workspace the message is in: the delivery's organization, whose bot token updates it.
      let organizationId: string | null = null;
      const recording = (async () => {
        const delivery = await options.store.delivery(verdict.claim.deliveryId);
        if (!delivery || delivery.eventId !== verdict.claim.eventId) return null;
        organizationId = delivery.organizationId;
        return options.store.record({ eventId: delivery.eventId, deliveryId: delivery.id, organizationId: delivery.organizationId, channel: 'slack', actor: `slack:${userId}`, actorName: name, atMs: options.now() });
      })();
      const timer = new Promise<'late'>((resolve) => setTimeout(resolve, ANSWER_WITHIN_MS, 'late').unref());
      const first = await Promise.race([recording.catch(() => null), timer]);
      reply(res, 200, '');
      const result = first === 'late' ? await recording.catch((error: unknown) => void log.error({ err: error }, 'slack acknowledgement not recorded')) : first;
      if (!result) return;
      options.onAck?.(result);
      log.info({ eventId: result.ack.eventId, recorded: result.recorded }, 'ack:slack');
      await updateMessage(options, payload, result, organizationId, log);
    },
  };
}

async function updateMessage(options: SlackInteractionsOptions, payload: BlockActions, result: AckResult, organizationId: string | null, log: Logger): Promise<void> {
  const channel = payload.channel?.id ?? payload.container?.channel_id;
  const ts = payload.message?.ts ?? payload.container?.message_ts;
  if (!options.updater || typeof channel !== 'string' || typeof ts !== 'string') return;
  const original = Array.isArray(payload.message?.blocks) ? (payload.message.blocks as Record<string, unknown>[]) : [];
  try {
    await options.updater.update(organizationId, { channel, ts }, acknowledgedBlocks(original, result.ack));
  } catch (error) {
    // The acknowledgement stands; only the message still shows its button. The code only: an
    // SDK error can carry its request, and so the organization's bot token.
    log.warn({ code: slackErrorCode(error) ?? (error as { code?: unknown }).code ?? (error instanceof Error ? error.name : 'error') }, 'slack message not updated');
  }
}

function parsePayload(body: Buffer): BlockActions | null {
  const raw = new URLSearchParams(body.toString('utf8')).get('payload');
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw);
    return value && typeof value === 'object' ? (value as BlockActions) : null;
  } catch {
    return null;
  }
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

function reply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}
