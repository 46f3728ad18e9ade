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
});
