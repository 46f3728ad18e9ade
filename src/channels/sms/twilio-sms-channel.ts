import type { Channel, DeliveryReceipt, SendContext } from '../channel';
import { PermanentDeliveryError } from '../errors';
import { classifyPgError } from '../pg-classify';
import type { SmsMessage } from '../messages';
import { withDeadline } from '../deadline';
import { throwIfShuttingDown } from '../race-abort';
import { toE164 } from './phone';
import type { SentLedger } from './sent-ledger';
import { renderSmsBody } from './sms-body';
import { renderSmsDigest } from './sms-digest';
import { classifyTwilioError } from './twilio-classify';
import { renderVoiceTwiml } from './voice-twiml';

/** The calls made on the twilio SDK (`twilio(sid, token, { httpClient })`). */
export interface TwilioLike {
  readonly messages: {
    create(params: { to: string; body: string; from?: string; messagingServiceSid?: string }): Promise<{ sid: string }>;
  };
  /** Voice escalation tiers: `POST /2010-04-01/Accounts/{Sid}/Calls.json` with To, From, Twiml. */
  readonly calls?: {
    create(params: { to: string; from: string; twiml: string }): Promise<{ sid: string }>;
  };
}

export interface TwilioSmsChannelOptions {
  readonly client: TwilioLike;
  /** A Twilio number in E.164, an alphanumeric sender id, or a Messaging Service sid (`MG…`). */
  readonly from: string;
  /** Longer bodies are cut to fit this many segments (each one is billed). */
  readonly maxSegments: number;
  readonly sentLedger: SentLedger;
  /** Twilio not answering by then is a retryable failure; a late sid is still recorded. */
  readonly timeoutMs?: number;
  /** A sid that could not be recorded; the SMS is out, so the delivery still succeeds. Default: ignored. */
  readonly onLedgerError?: (error: unknown, deliveryId: string) => void;
  /** Added to critical messages when replies are read (the inbound route): "Reply OK to acknowledge." */
  readonly replyHint?: string;
}

export function createTwilioSmsChannel(options: TwilioSmsChannelOptions): Channel<SmsMessage> {
  const { client, from, maxSegments, sentLedger, onLedgerError = () => undefined, timeoutMs = 10_000 } = options;
  if (!Number.isInteger(maxSegments) || maxSegments < 1) throw new RangeError('maxSegments must be a positive integer');
  const sender: { from?: string; messagingServiceSid?: string } = /^MG[0-9a-fA-F]{32}$/.test(from) ? { messagingServiceSid: from } : { from };
  return {
    kind: 'sms',
    async send(message: SmsMessage, { signal, deliveryId }: SendContext): Promise<DeliveryReceipt> {
      throwIfShuttingDown(signal);
      const to = toE164(message.to);
      // The ledger is PostgreSQL in production: a dropped connection is retried, a bug is not.
      const sentBefore = await sentLedger.lookup(deliveryId).catch((error: unknown) => {
        throw classifyPgError(error);
      });
      if (sentBefore) return { providerMessageId: sentBefore };
      const { content } = message;
      if (message.voice) {
        // A Messaging Service cannot place calls: voice needs a Twilio number as caller id.
        if (!client.calls || sender.from === undefined) throw new PermanentDeliveryError('twilio voice needs TWILIO_FROM to be a phone number');
        const { twiml } = renderVoiceTwiml(content);
        return record(client.calls.create({ to, from: sender.from, twiml }));
      }
      const body = content.digest ? renderSmsDigest(content, content.digest, maxSegments) : renderSmsBody(content, maxSegments, content.priority.level === 'critical' ? options.replyHint : undefined);
      return record(client.messages.create({ to, body: body.text, ...sender }));

      // Recorded even when shutdown stopped us waiting: a message or call Twilio accepted must never be sent twice.
      async function record(request: Promise<{ sid: string }>): Promise<DeliveryReceipt> {
        const sending = request.then(
          async (created) => {
            await sentLedger.record(deliveryId, created.sid).catch((error: unknown) => onLedgerError(error, deliveryId));
            return created;
          },
          (error: unknown) => {
            throw classifyTwilioError(error);
          },
        );
        const created = await withDeadline(() => sending, timeoutMs, signal, 'twilio');
        return { status: 201, providerMessageId: created.sid };
      }
    },
  };
}
