/**
 * Whether a failure is the network's: the request may never have reached the provider, so the
 * same message can succeed on a later attempt. SDKs wrap these in their own errors (fetch's
 * `TypeError: fetch failed` keeps it as `cause`, @slack/web-api's request error as `original`,
 * axios copies its `code`, Node's dual-stack connect throws an AggregateError of them), so the
 * whole chain is searched. By code and class name only, never by message text.
 */

// Node's socket, DNS and TLS errors (libuv and OpenSSL codes).
const SYSTEM_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENETRESET',
  'EADDRNOTAVAIL',
  'EPROTO',
  'ENOBUFS',
  'EMFILE',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

// undici's connection, timeout and response-framing errors; not its argument errors (our bugs).
const UNDICI_CODES = new Set([
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_HEADERS_OVERFLOW',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_INFO',
  'UND_ERR_ABORTED',
  'UND_ERR_PRX_CONN',
  'UND_ERR_PRX_TLS',
  'UND_ERR_REQ_RETRY',
]);

// axios (inside the twilio SDK): its timeout is ECONNABORTED; a body cut off mid-way is ERR_BAD_RESPONSE.
const AXIOS_CODES = new Set(['ERR_NETWORK', 'ERR_BAD_RESPONSE']);

// AbortSignal.timeout() rejects fetch with a DOMException of this name: an SDK's own deadline.
const TIMEOUT_NAMES = new Set(['TimeoutError', 'ConnectTimeoutError', 'HeadersTimeoutError', 'BodyTimeoutError']);

const isTransientCode = (code: string) => SYSTEM_CODES.has(code) || UNDICI_CODES.has(code) || AXIOS_CODES.has(code) || code.startsWith('HPE_');

const MAX_ERRORS_SEARCHED = 16;

/** The network code (or timeout name) found in the failure's chain, or undefined when it is not the network's. */
export function networkFailureCode(error: unknown): string | undefined {
  const queue: unknown[] = [error];
  const seen = new Set<unknown>();
  while (queue.length > 0 && seen.size < MAX_ERRORS_SEARCHED) {
    const current = queue.shift();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const { code, name, cause, original, errors } = current as { code?: unknown; name?: unknown; cause?: unknown; original?: unknown; errors?: unknown };
    if (typeof code === 'string' && isTransientCode(code)) return code;
    if (typeof name === 'string' && TIMEOUT_NAMES.has(name)) return name;
    queue.push(cause, original, ...(Array.isArray(errors) ? errors : []));
  }
  return undefined;
}
