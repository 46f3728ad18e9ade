import { describe, expect, it } from '@jest/globals';
import { PermanentDeliveryError, RetryableDeliveryError } from '../../../src/channels/errors';
import { classifyHttpStatus, classifyNetworkError, parseRetryAfter } from '../../../src/channels/http-classify';

describe('classifyHttpStatus', () => {
  it.each([200, 201, 202, 204, 299])('%i is success', (status) => {
    expect(classifyHttpStatus(status, {})).toBeNull();
  });

  it.each([408, 425, 429, 500, 502, 503, 504, 599])('%i is retryable', (status) => {
    const error = classifyHttpStatus(status, {});
    expect(error).toBeInstanceOf(RetryableDeliveryError);
    expect(error?.status).toBe(status);
  });

  it.each([301, 302, 400, 401, 403, 404, 410, 413, 422])('%i is permanent', (status) => {
    expect(classifyHttpStatus(status, {})).toBeInstanceOf(PermanentDeliveryError);
  });

  it('carries Retry-After in seconds or as an HTTP date', () => {
    const seconds = classifyHttpStatus(429, { 'retry-after': '2' });
    expect(seconds).toBeInstanceOf(RetryableDeliveryError);
    expect((seconds as RetryableDeliveryError).retryAfterMs).toBe(2_000);
    const now = Date.parse('2026-11-25T10:00:00Z');
    expect(parseRetryAfter('Wed, 25 Nov 2026 10:00:30 GMT', () => now)).toBe(30_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('classifyNetworkError', () => {
  it('retries connection failures by their code, also when wrapped', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(classifyNetworkError(refused).retryable).toBe(true);
    expect(classifyNetworkError(new Error('fetch failed', { cause: refused })).message).toContain('ECONNREFUSED');
  });

  it.each([
    ['a dual-stack connect (AggregateError)', new AggregateError([Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' })], '')],
    ["an SDK's own deadline (AbortSignal.timeout)", new DOMException('The operation timed out.', 'TimeoutError')],
    ["@slack/web-api's request error", Object.assign(new Error('A request error occurred'), { code: 'slack_webapi_request_error', original: new TypeError('fetch failed', { cause: { code: 'UND_ERR_SOCKET' } }) })],
    ['a reply that is not HTTP', Object.assign(new Error('Parse Error'), { code: 'HPE_INVALID_CONSTANT' })],
  ])('retries %s', (_what, error) => {
    expect(classifyNetworkError(error)).toBeInstanceOf(RetryableDeliveryError);
  });

  it('fails permanently, naming the class only, for what is not the network (undici refusing an argument, a TypeError)', () => {
    const token = 'tok_in_a_header_value_9';
    const invalid = Object.assign(new TypeError(`invalid header value ${token}`), { code: 'UND_ERR_INVALID_ARG' });
    const error = classifyNetworkError(invalid);
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).toBe('unexpected TypeError (UND_ERR_INVALID_ARG)');
    expect(`${error.stack} ${JSON.stringify(error)} ${String(error.cause)}`).not.toContain(token);
    expect(classifyNetworkError(new TypeError('fetch failed'))).toBeInstanceOf(PermanentDeliveryError);
  });
});
