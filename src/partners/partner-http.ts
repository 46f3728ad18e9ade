import type { Dispatcher } from 'undici';
import { DeliveryError, PermanentDeliveryError, RetryableDeliveryError, ShutdownAbortError } from '../channels/errors';
import { classifyHttpStatus, classifyNetworkError } from '../channels/http-classify';
import type { HttpRequester } from '../channels/webhook/webhook-channel';
import { ConnectionRefusedError } from './partner';

export interface PartnerRequest {
  readonly url: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal: AbortSignal;
  readonly timeoutMs?: number;
}

export interface PartnerResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
}

const MAX_BODY_BYTES = 256 * 1024;

/**
 * One request to a partner; network failures and shutdown classified, the answer read (bounded).
 * The URL never reaches an error: a Zapier hook's path is its secret.
 */
export async function partnerRequest(http: HttpRequester, request: PartnerRequest): Promise<PartnerResponse> {
  if (request.signal.aborted) throw new ShutdownAbortError();
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new PermanentDeliveryError('partner URL is not a valid URL');
  }
  let response: Dispatcher.ResponseData;
  try {
    response = await http.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      signal: request.signal,
      headersTimeout: request.timeoutMs ?? 30_000,
      bodyTimeout: request.timeoutMs ?? 30_000,
    });
  } catch (error) {
    if (request.signal.aborted) throw new ShutdownAbortError();
    if (error instanceof DeliveryError) throw error;
    throw classifyNetworkError(error);
  }
  let text: string;
  try {
    const bytes = Buffer.from(await response.body.arrayBuffer());
    text = bytes.subarray(0, MAX_BODY_BYTES).toString('utf8');
  } catch (error) {
    if (request.signal.aborted) throw new ShutdownAbortError();
    throw classifyNetworkError(error);
  }
  return { status: response.statusCode, headers: response.headers, text };
}

/**
 * Null for a 2xx. 401/403 stop the connection (the credentials are refused or lack rights);
 * everything else as every HTTP channel classifies it (429/5xx retryable with Retry-After).
 */
export function classifyPartnerStatus(partner: string, response: PartnerResponse, now: () => number = Date.now): DeliveryError | null {
  if (response.status === 401) return new ConnectionRefusedError(`${partner} refused the connection's credentials (401): reconnect it`, 401, 'unauthorized');
  if (response.status === 403) return new ConnectionRefusedError(`${partner} denied access with these credentials (403): check the key's rights`, 403, 'forbidden');
  const failure = classifyHttpStatus(response.status, response.headers, now);
  if (!failure) return null;
  // Name the partner, keep the class: the retry logic reads only the class.
  failure.message = `${partner} answered ${failure.message}`;
  return failure;
}

/** Throws the classified failure, or returns the answer of a 2xx. */
export function expectOk(partner: string, response: PartnerResponse): PartnerResponse {
  const failure = classifyPartnerStatus(partner, response);
  if (failure) throw failure;
  return response;
}

/** A JSON answer; a garbled one is retried (a proxy's error page), never echoed. */
export function jsonOf<T>(partner: string, response: PartnerResponse): T {
  try {
    return JSON.parse(response.text) as T;
  } catch {
    throw new RetryableDeliveryError(`${partner} answered ${response.status} with a body that is not JSON`, response.status);
  }
}
