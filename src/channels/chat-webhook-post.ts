import type { Dispatcher } from 'undici';
import type { DeliveryReceipt } from './channel';
import { PermanentDeliveryError, RetryableDeliveryError, ShutdownAbortError } from './errors';
import { DestinationGoneError } from './errors-destination';
import { classifyHttpStatus, classifyNetworkError } from './http-classify';
import type { HttpRequester } from './webhook/webhook-channel';

export interface ChatWebhookPost {
  readonly http: HttpRequester;
  readonly provider: 'slack' | 'teams';
  /** The whole URL is the credential: it never appears in an error. */
  readonly url: string;
  readonly body: unknown;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** Reads the provider's error code from a reply body, if it has one. */
  readonly errorCode: (body: string) => string | undefined;
}

/**
 * One JSON POST to an incoming-webhook URL (Slack, Teams Workflows). Any 2xx is success (Teams
 * answers 202 with no body). 404 and 410 mean the hook or its channel is gone for good.
 */
export async function postChatWebhook({ http, provider, url, body, signal, timeoutMs, errorCode }: ChatWebhookPost): Promise<DeliveryReceipt> {
  const target = parseSecretUrl(url, provider);
  let response: Dispatcher.ResponseData;
  try {
    response = await http.request({
      origin: target.origin,
      path: `${target.pathname}${target.search}`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  } catch (error) {
    if (signal.aborted) throw new ShutdownAbortError();
    throw classifyNetworkError(error);
  }
  const status = response.statusCode;
  const text = await readHead(response.body);
  if (status >= 200 && status < 300) return { status };
  const code = errorCode(text);
  const what = `${provider}${code ? ` ${code}` : ''} (HTTP ${status})`;
  if (status === 404 || status === 410) throw new DestinationGoneError(what, status, code);
  const classified = classifyHttpStatus(status, response.headers);
  if (classified instanceof RetryableDeliveryError) throw new RetryableDeliveryError(what, status, classified.retryAfterMs);
  throw new PermanentDeliveryError(what, status);
}

function parseSecretUrl(url: string, provider: string): URL {
  try {
    return new URL(url);
  } catch {
    // No cause: Node's URL error keeps the input, which here is the secret.
    throw new PermanentDeliveryError(`${provider} webhook URL is not a valid URL`);
  }
}

/** The start of a reply body: error codes are short, and a hostile receiver could send megabytes. */
async function readHead(body: Dispatcher.ResponseData['body'], limit = 4096): Promise<string> {
  let text = '';
  try {
    for await (const chunk of body) {
      text += String(chunk);
      if (text.length >= limit) break;
    }
  } catch {
    // A body that fails mid-way still leaves the status to classify.
  }
  return text.slice(0, limit);
}
