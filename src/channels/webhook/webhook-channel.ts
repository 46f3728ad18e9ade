import type { Dispatcher } from 'undici';
import type { Channel, DeliveryReceipt, SendContext } from '../channel';
import type { WebhookMessage } from '../messages';
import { DeliveryError, PermanentDeliveryError, ShutdownAbortError } from '../errors';
import { classifyHttpStatus, classifyNetworkError } from '../http-classify';
import { WebhookSigner } from './webhook-signature';

/** The one undici call the channel makes; an Agent or Pool in production, anything in tests. */
export type HttpRequester = Pick<Dispatcher, 'request'>;

export interface WebhookChannelOptions {
  readonly http: HttpRequester;
  readonly userAgent: string;
  readonly now?: () => Date;
  /** Given by the caller that shows its size. */
  readonly signer?: WebhookSigner;
}

export function createWebhookChannel({ http, userAgent, now = () => new Date(), signer = new WebhookSigner() }: WebhookChannelOptions): Channel<WebhookMessage> {
  return {
    kind: 'webhook',
    async send(message: WebhookMessage, context: SendContext): Promise<DeliveryReceipt> {
      const url = webhookTarget(message.url);
      const signed = preparing(() => signer.sign(message.secrets, context.deliveryId, now(), message.body));
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

/**
 * The tenant's URL, or a permanent failure: a URL that cannot be parsed (port 65536), or one no
 * HTTP request can reach (file:, ftp:, data:), fails the same way on every attempt, so retrying
 * it only burns the ladder and blames the endpoint. The error names no part of the URL and keeps
 * no cause: Node's ERR_INVALID_URL carries the whole input, query token included.
 */
function webhookTarget(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PermanentDeliveryError('webhook URL is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new PermanentDeliveryError('webhook URL is not http or https');
  // undici would drop them without a word; the receiver would then refuse us with a 401 forever.
  if (url.username || url.password) throw new PermanentDeliveryError('webhook URL carries credentials, which are never sent');
  return url;
}

/** Work before the request (signing) that throws is a bug in what we hold, the same on every try. */
function preparing<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof DeliveryError) throw error;
    const name = error instanceof Error ? error.name : typeof error;
    throw new PermanentDeliveryError(`webhook not prepared: ${name}`);
  }
}
