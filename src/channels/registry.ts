import type { Pool } from 'pg';
import { Resend } from 'resend';
import twilio from 'twilio';
import type { Config } from '../config/load-config';
import type { AckLinkFor } from '../lib/ack-token';
import type { Logger } from '../lib/logger';
import type { ChannelRegistry } from './channel';
import { createResendEmailChannel, type ResendLike } from './email/resend-email-channel';
import { createInAppChannel } from './in-app/in-app-channel';
import { createSlackChannel } from './slack/slack-channel';
import { LoopbackRequestClient } from './sms/loopback-request-client';
import { createMemorySentLedger, type SentLedger } from './sms/sent-ledger';
import { createTwilioSmsChannel, type TwilioLike } from './sms/twilio-sms-channel';
import { createTeamsChannel } from './teams/teams-channel';
import { createSsrfGuardedAgent } from './webhook/ssrf-guard';
import { createWebhookChannel, type HttpRequester } from './webhook/webhook-channel';
import { WebhookSigner } from './webhook/webhook-signature';

export const USER_AGENT = 'wedsync-realtime-worker/0.1';
/** Longest SMS we send, in segments; longer bodies are shortened. Billing is per segment. */
const MAX_SMS_SEGMENTS = 4;

export interface ChannelRegistryInput {
  readonly env: Config['env'];
  readonly worker: Config['worker'];
  readonly pool: Pool | null;
  /** Overrides the SSRF-guarded agent (tests). */
  readonly http?: HttpRequester;
  /** Where SMS sids are kept so a retry does not send twice; in memory when absent. */
  readonly smsSentLedger?: SentLedger;
  readonly logger: Logger;
  /** Acknowledge links in critical Slack, Teams and email messages; `slackInteractive`: a Slack app button. */
  readonly ack?: { readonly link: AckLinkFor; readonly slackInteractive: boolean };
}

/**
 * The channels this process can use, built from what is configured: webhooks, Slack and Teams
 * always (their URLs come from tenant rows, hence the SSRF guard), in-app with a database,
 * email with a Resend key, SMS with Twilio credentials. A channel that is absent is never planned.
 */
export function createChannelRegistry({ env, worker, pool, http, smsSentLedger, logger, ack }: ChannelRegistryInput): {
  channels: ChannelRegistry;
  /** Webhook secrets with a signer held in memory (bounded, idle ones forgotten). */
  webhookSecretsHeld(): number;
  close(): Promise<void>;
} {
  const signer = new WebhookSigner();
  const agent = http ? undefined : createSsrfGuardedAgent({ allow: worker.partnerWebhooks.allowAddresses, agent: { connections: 64 } });
  const transport: HttpRequester = http ?? agent!;
  const channels: ChannelRegistry = {
    webhook: createWebhookChannel({ http: transport, userAgent: USER_AGENT, signer }),
    slack: createSlackChannel({ http: transport, ...(ack ? { ackLink: ack.link, interactive: ack.slackInteractive } : {}) }),
    teams: createTeamsChannel({ http: transport, ...(ack ? { ackLink: ack.link } : {}) }),
  };
  if (pool) channels.in_app = createInAppChannel({ db: pool });
  if (env.RESEND_API_KEY && env.EMAIL_FROM) {
    const resend = new Resend(env.RESEND_API_KEY, env.RESEND_BASE_URL ? { baseUrl: env.RESEND_BASE_URL } : undefined);
    channels.email = createResendEmailChannel({ client: resend as unknown as ResendLike, from: env.EMAIL_FROM, timeoutMs: worker.limits.emailTimeoutMs, ...(ack ? { ackLink: ack.link } : {}) });
  }
  if (env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN && env.TWILIO_FROM) {
    const client = twilio(env.TWILIO_ACCOUNT_SID, env.TWILIO_AUTH_TOKEN, {
      ...(env.TWILIO_BASE_URL ? { httpClient: new LoopbackRequestClient(env.TWILIO_BASE_URL) } : {}),
    });
    channels.sms = createTwilioSmsChannel({
      client: client as unknown as TwilioLike,
      from: env.TWILIO_FROM,
      maxSegments: MAX_SMS_SEGMENTS,
      timeoutMs: worker.limits.smsTimeoutMs,
      sentLedger: smsSentLedger ?? createMemorySentLedger(),
      onLedgerError: (error: unknown) => logger.warn({ err: error }, 'sms ledger write failed; a retry may resend'),
      // Replies reach the worker only through the public listener (src/ack/twilio-inbound-route.ts).
      ...(ack && env.PUBLIC_BASE_URL ? { replyHint: 'Reply OK to acknowledge.' } : {}),
    });
  }
  return {
    channels,
    webhookSecretsHeld: () => signer.secretsHeld(),
    close: async () => {
      await agent?.close();
    },
  };
}
