import type { Dispatcher } from 'undici';
import type { Channel, DeliveryReceipt, SendContext } from '../channel';
import type { WebhookMessage } from '../messages';
import { DeliveryError, ShutdownAbortError } from '../errors';
import { classifyHttpStatus, classifyNetworkError } from '../http-classify';
import { WebhookSigner } from './webhook-signature';

/** The one undici call the channel makes; an Agent or Pool in production, anything in tests. */
export type HttpRequester = Pick<Dispatcher, 'request'>;

export interface WebhookChannelOptions {
  readonly http: HttpRequester;
  readonly userAgent: string;
  readonly now?: () => Date;
}

export function createWebhookChannel({ http, userAgent, now = () => new Date() }: WebhookChannelOptions): Channel<WebhookMessage> {
  const signer = new WebhookSigner();
  return {
    kind: 'webhook',
    async send(message: WebhookMessage, context: SendContext): Promise<DeliveryReceipt> {
      const url = new URL(message.url);
      const signed = signer.sign(message.secrets, context.deliveryId, now(), message.body);
      let response: Dispatcher.ResponseData;
      try {
        response = await http.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': userAgent, ...signed },
          body: message.body,
          signal: context.signal,
          headersTimeout: message.timeoutMs,
          bodyTimeout: message.timeoutMs,
        });
      } catch (error) {
        if (context.signal.aborted) throw new ShutdownAbortError();
        // Already classified by the transport, e.g. an SSRF refusal: permanent, not a network blip.
        if (error instanceof DeliveryError) throw error;
        throw classifyNetworkError(error);
      }
      // Drain so the connection goes back to the pool; a receiver's reply body is not ours to keep.
      await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      const failure = classifyHttpStatus(response.statusCode, response.headers);
      if (failure) throw failure;
      return { status: response.statusCode };
    },
  };
}
