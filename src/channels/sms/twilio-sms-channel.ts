import type { Channel, DeliveryReceipt, SendContext } from '../channel';
import type { SmsMessage } from '../messages';
import { withDeadline } from '../deadline';
import { throwIfShuttingDown } from '../race-abort';
import { toE164 } from './phone';
import type { SentLedger } from './sent-ledger';
import { renderSmsBody } from './sms-body';
import { renderSmsDigest } from './sms-digest';
import { classifyTwilioError } from './twilio-classify';

/** The one call made on the twilio SDK (`twilio(sid, token, { httpClient })`). */
export interface TwilioLike {
  readonly messages: {
    create(params: { to: string; body: string; from?: string; messagingServiceSid?: string }): Promise<{ sid: string }>;
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
  const sender = /^MG[0-9a-fA-F]{32}$/.test(from) ? { messagingServiceSid: from } : { from };
  return {
    kind: 'sms',
    async send(message: SmsMessage, { signal, deliveryId }: SendContext): Promise<DeliveryReceipt> {
      throwIfShuttingDown(signal);
      const to = toE164(message.to);
      const sentBefore = await sentLedger.lookup(deliveryId);
      if (sentBefore) return { providerMessageId: sentBefore };
      const { content } = message;
      const body = content.digest ? renderSmsDigest(content, content.digest, maxSegments) : renderSmsBody(content, maxSegments, content.priority.level === 'critical' ? options.replyHint : undefined);
      // Recorded even when shutdown stopped us waiting: a message Twilio accepted must never be sent twice.
      const sending = client.messages.create({ to, body: body.text, ...sender }).then(
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
    },
  };
}
