import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { PermanentDeliveryError, RetryableDeliveryError, ShutdownAbortError } from '../../../src/channels/errors';
import { createSsrfGuardedAgent } from '../../../src/channels/webhook/ssrf-guard';
import { createWebhookChannel } from '../../../src/channels/webhook/webhook-channel';
import { attemptDelivery, describeFailure } from '../../../src/deliver/attempt';
import { createRateLimiter } from '../../../src/deliver/rate-limiter';
import { deliveryOf } from '../../support/delivery-factory';
import { memoryLogger } from '../../support/memory-log';
import { waitFor } from '../../support/wait-for';
import { WebhookReceiver } from '../../support/webhook-receiver';

const SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
const NEXT_SECRET = `whsec_${Buffer.alloc(32, 4).toString('base64')}`;

describe('webhook channel', () => {
  const receiver = new WebhookReceiver();
  // Production's SSRF-guarded agent, with the loopback allowed.
  const agent = createSsrfGuardedAgent({ allow: ['127.0.0.1'] });
  // A fixed clock near the real one: the reference verifier rejects timestamps over 5 minutes off.
  const fixedNow = new Date(Math.floor(Date.now() / 1000) * 1000);
  const channel = createWebhookChannel({ http: agent, userAgent: 'test-agent', now: () => fixedNow });
  const context = (signal = new AbortController().signal) => ({ signal, attempt: 1, deliveryId: 'dlv_abc123' });
  const message = (body = '{"type":"weddings.insert","data":{"x":1}}', secrets = [SECRET]) => ({
    channel: 'webhook' as const,
    url: `${receiver.url}/hook?tenant=1`,
    secrets,
    timeoutMs: 1_000,
    body,
  });

  beforeAll(() => receiver.start());
  afterAll(async () => {
    await agent.close();
    await receiver.close();
  });

  it('posts the exact body with Standard Webhooks headers that the reference verifier accepts', async () => {
    const receipt = await channel.send(message(), context());
    expect(receipt.status).toBe(200);
    const request = receiver.requests.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', path: '/hook?tenant=1', body: '{"type":"weddings.insert","data":{"x":1}}' });
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['webhook-id']).toBe('dlv_abc123');
    expect(request.headers['webhook-timestamp']).toBe(String(fixedNow.getTime() / 1000));
    expect(new Webhook(SECRET).verify(request.body, request.headers as Record<string, string>)).toEqual({ type: 'weddings.insert', data: { x: 1 } });
  });

  it('computes the signature as base64 HMAC-SHA256 of id.timestamp.body with the decoded secret', async () => {
    await channel.send(message('{"n":2}'), context());
    const request = receiver.requests.at(-1)!;
    const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`dlv_abc123.${request.headers['webhook-timestamp']}.{"n":2}`).digest('base64');
    expect(request.headers['webhook-signature']).toBe(`v1,${expected}`);
  });

  it('signs with every secret during a rotation, space-separated', async () => {
    await channel.send(message('{}', [NEXT_SECRET, SECRET]), context());
    const signatures = String(receiver.requests.at(-1)!.headers['webhook-signature']).split(' ');
    expect(signatures).toHaveLength(2);
    expect(signatures.every((s) => s.startsWith('v1,'))).toBe(true);
  });

  it('classifies 429 with Retry-After as retryable with the delay, and 400 as permanent', async () => {
    receiver.respondWith({ status: 429, headers: { 'retry-after': '3' } }, { status: 400 });
    const limited = await channel.send(message(), context()).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RetryableDeliveryError);
    expect((limited as RetryableDeliveryError).retryAfterMs).toBe(3_000);
    await expect(channel.send(message(), context())).rejects.toBeInstanceOf(PermanentDeliveryError);
  });

  it('does not follow a redirect', async () => {
    receiver.respondWith({ status: 302, headers: { location: '/elsewhere' } });
    const before = receiver.requests.length;
    await expect(channel.send(message(), context())).rejects.toMatchObject({ status: 302, retryable: false });
    expect(receiver.requests.length).toBe(before + 1);
  });

  it('retries a connection that is refused', async () => {
    const closed = new WebhookReceiver();
    await closed.start();
    const url = closed.url;
    await closed.close();
    await expect(channel.send({ ...message(), url }, context())).rejects.toMatchObject({ retryable: true, message: 'network error ECONNREFUSED' });
  });

  it('times out a receiver that never answers, as retryable', async () => {
    receiver.respondWith({ hang: true });
    await expect(channel.send({ ...message(), timeoutMs: 100 }, context())).rejects.toMatchObject({ retryable: true });
  });

  it('stops promptly when the shutdown signal aborts', async () => {
    receiver.respondWith({ hang: true });
    const controller = new AbortController();
    const before = receiver.requests.length;
    const sending = channel.send(message(), context(controller.signal));
    // Abort once the request is in flight at the receiver, not after a guessed delay.
    await waitFor(() => receiver.requests.length > before, { what: 'the hanging request' });
    controller.abort(new ShutdownAbortError());
    await expect(sending).rejects.toBeInstanceOf(ShutdownAbortError);
  });

  it('puts no secret into an error message', async () => {
    receiver.respondWith({ status: 401 });
    const error = (await channel.send(message(), context()).catch((e: unknown) => e)) as Error;
    expect(`${error.message} ${error.stack}`).not.toContain(SECRET.slice(6));
  });

  describe('a URL that can never work', () => {
    const TOKEN = 'tok_never_in_a_log_42';
    // HOST is the live receiver, so a request that went out anyway would be seen.
    const unworkable = [
      ['port 65536', `http://127.0.0.1:65536/hook?token=${TOKEN}`],
      ['an unparsable URL', `http://[::1/hook?token=${TOKEN}`],
      ['no scheme at all', `HOST/hook?token=${TOKEN}`],
      ['file:', `file:///etc/passwd?token=${TOKEN}`],
      ['ftp:', `ftp://HOST/hook?token=${TOKEN}`],
      ['data:', `data:text/plain,token=${TOKEN}`],
      ['credentials in the URL', `http://user:${TOKEN}@HOST/hook`],
    ];

    it.each(unworkable)('fails permanently for %s, names none of it, and sends nothing', async (_what, template) => {
      const url = template.replace('HOST', new URL(receiver.url).host);
      const before = receiver.requests.length;
      const error = (await channel.send({ ...message(), url }, context()).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(PermanentDeliveryError);
      expect(error.cause).toBeUndefined();
      expect(JSON.stringify({ ...error, message: error.message, stack: error.stack })).not.toContain(TOKEN);
      expect(receiver.requests.length).toBe(before);
    });

    it('is tried once, not along the retry ladder, and its log lines carry no token', async () => {
      const { logger, text, lines } = memoryLogger();
      const limiter = createRateLimiter({ max: null, perMs: 1_000, maxConcurrent: 1 });
      const attempts: number[] = [];
      const delivery = deliveryOf({ ...message(), url: `http://127.0.0.1:65536/hook?token=${TOKEN}` });
      const signal = new AbortController().signal;
      const error = await attemptDelivery(delivery, {
        channels: { webhook: channel },
        limiter,
        retry: { attempts: 3, minDelayMs: 1, maxDelayMs: 1, factor: 1, maxRetryAfterMs: 1 },
        signal,
        log: logger,
        now: () => fixedNow.getTime(),
        onAttempt: (n) => attempts.push(n),
      }).catch((e: unknown) => e);
      await limiter.stop();
      expect(attempts).toEqual([1]);
      const failure = describeFailure(error, signal);
      expect(failure).toMatchObject({ kind: 'permanent', gone: false, message: 'webhook URL is not a valid URL' });
      logger.warn({ err: error, failure }, 'delivery failed');
      expect(lines.at(-1)).toMatchObject({ msg: 'delivery failed', err: { type: 'PermanentDeliveryError' } });
      expect(text()).not.toContain(TOKEN);
    });
  });
});
