import type { Channel, DeliveryReceipt, SendContext } from '../channel';
import { ShutdownAbortError } from '../errors';
import type { EmailMessage } from '../messages';
import { withDeadline } from '../deadline';
import { throwIfShuttingDown } from '../race-abort';
import { formatRecipient } from './email-address';
import { emailSubject } from './email-copy';
import { renderEmailHtml } from './email-html';
import { renderEmailText } from './email-text';
import { classifyResendError, type ResendErrorLike } from './resend-classify';
import type { AckLinkFor } from '../../lib/ack-token';

/** The one call made on the resend SDK (`new Resend(key, { baseUrl })`). */
export interface ResendLike {
  readonly emails: {
    send(
      payload: {
        from: string;
        to: string[];
        subject: string;
        html: string;
        text: string;
        replyTo?: string;
        tags: { name: string; value: string }[];
      },
      options: { idempotencyKey: string; signal: AbortSignal },
    ): Promise<{
      data: { id: string } | null;
      error: ResendErrorLike | null;
      headers: Record<string, string> | null;
    }>;
  };
}

export interface ResendEmailChannelOptions {
  readonly client: ResendLike;
  /** `"Name <address>"` on a domain verified in Resend. */
  readonly from: string;
  /** Where replies go; default: the `from` address. */
  readonly replyTo?: string;
  /** A request without an answer by then is abandoned and retried (same idempotency key). */
  readonly timeoutMs?: number;
  /** Acknowledge links for messages that ask for an answer; none: no button. */
  readonly ackLink?: AckLinkFor;
}

export function createResendEmailChannel({ client, from, replyTo, timeoutMs = 10_000, ackLink }: ResendEmailChannelOptions): Channel<EmailMessage> {
  return {
    kind: 'email',
    async send(message: EmailMessage, { signal, deliveryId }: SendContext): Promise<DeliveryReceipt> {
      throwIfShuttingDown(signal);
      const { content } = message;
      const ackUrl = ackLink?.(deliveryId, content)?.url;
      const payload = {
        from,
        to: [formatRecipient(message.to, message.toName)],
        subject: emailSubject(content),
        html: renderEmailHtml(content, ackUrl),
        text: renderEmailText(content, ackUrl),
        ...(replyTo ? { replyTo } : {}),
        tags: [
          { name: 'kind', value: content.kind.replace(/[^A-Za-z0-9_-]/g, '_') },
          { name: 'priority', value: content.priority.level },
        ],
      };
      // The SDK forwards the signal to fetch; the race also covers a client that ignores it.
      const response = await withDeadline((deadline) => client.emails.send(payload, { idempotencyKey: deliveryId, signal: deadline }), timeoutMs, signal, 'resend');
      if (response.data && !response.error) return { providerMessageId: response.data.id };
      // An aborted fetch comes back as a network "error"; it is a shutdown, not a failure.
      if (signal.aborted) throw new ShutdownAbortError();
      throw classifyResendError(response.error ?? { name: 'empty_response', statusCode: null }, response.headers);
    },
  };
}
