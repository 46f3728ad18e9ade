import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Resend } from 'resend';
import { createResendEmailChannel } from '../../../src/channels/email/resend-email-channel';
import { classifyResendError } from '../../../src/channels/email/resend-classify';
import { PermanentDeliveryError, RetryableDeliveryError } from '../../../src/channels/errors';
import { ParkedDeliveryError } from '../../../src/channels/errors-parked';
import type { EmailMessage } from '../../../src/channels/messages';
import { ResendFake } from '../../support/fakes/resend-fake';
import { hostileContent, LONG_NAME, sampleContent, SCRIPT } from '../../support/notification-content';

describe('resend email channel (real resend SDK against a loopback Resend)', () => {
  const fake = new ResendFake('re_unit_test_key');
  let channel: ReturnType<typeof createResendEmailChannel>;
  let sequence = 0;
  const context = (deliveryId = `dlv_email_${(sequence += 1)}`) => ({ signal: new AbortController().signal, attempt: 1, deliveryId });
  const message = (overrides: Partial<EmailMessage> = {}): EmailMessage => ({ channel: 'email', to: 'pat@bloom.example', toName: 'Pat Planner', content: sampleContent(), ...overrides });

  beforeAll(async () => {
    await fake.start();
    channel = createResendEmailChannel({ client: new Resend(fake.apiKey, { baseUrl: fake.url }), from: 'WedSync <notify@wedsync.example>', replyTo: 'help@wedsync.example' });
  });
  afterAll(() => fake.close());

  it('sends one email the fake accepts, keyed by the delivery id, and returns Resend\'s id', async () => {
    const receipt = await channel.send(message(), context('dlv_shape'));
    const email = fake.accepted.at(-1)!;
    expect(fake.rejected).toEqual([]);
    expect(receipt.providerMessageId).toBe(email.id);
    expect(email).toMatchObject({
      idempotencyKey: 'dlv_shape',
      from: 'WedSync <notify@wedsync.example>',
      to: ['"Pat Planner" <pat@bloom.example>'],
      subject: '[Important] Wedding date changed: Ana & Ben',
      replyTo: 'help@wedsync.example',
      tags: [{ name: 'kind', value: 'wedding_date_changed' }, { name: 'priority', value: 'high' }],
    });
    expect(email.html).toContain('Open in WedSync');
    expect(email.text).toContain('Open in WedSync: https://app.wedsync.example/weddings/');
  });

  it('sends nothing new when a delivery is retried: Resend answers the first id again', async () => {
    const first = await channel.send(message(), context('dlv_retry'));
    const accepted = fake.accepted.length;
    const again = await channel.send(message(), context('dlv_retry'));
    expect(again.providerMessageId).toBe(first.providerMessageId);
    expect(fake.accepted.length).toBe(accepted);
  });

  it('treats the same delivery id with different content as permanent: the first email may be out', async () => {
    await channel.send(message(), context('dlv_changed'));
    const error = await channel.send(message({ content: sampleContent({ title: 'Another title' }) }), context('dlv_changed')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error).toMatchObject({ status: 409, message: 'resend invalid_idempotent_request (HTTP 409)' });
  });

  it('escapes hostile content in the HTML, keeps the text part free of markup, and caps the subject', async () => {
    await channel.send(message({ content: hostileContent() }), context());
    const email = fake.accepted.at(-1)!;
    expect(email.html).not.toContain(SCRIPT);
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(email.html).not.toContain('javascript:');
    expect(email.html).toContain(LONG_NAME);
    expect(email.text).not.toMatch(/&lt;|&amp;|<\/?(p|a|table|h1|span)\b/);
    expect(email.text).not.toContain('javascript:');
    expect(email.subject.length).toBeLessThanOrEqual(200);
    expect(email.subject.startsWith('[URGENT] ')).toBe(true);
  });

  it('never lets a display name add a recipient', async () => {
    await channel.send(message({ toName: 'Eve" <attacker@evil.example>, "x' }), context());
    expect(fake.accepted.at(-1)!.to).toEqual(['"Eve attacker evil.example x" <pat@bloom.example>']);
  });

  it('refuses an invalid address before any request', async () => {
    const before = fake.requests.length;
    await expect(channel.send(message({ to: 'a@b.example, victim@c.example' }), context())).rejects.toBeInstanceOf(PermanentDeliveryError);
    expect(fake.requests.length).toBe(before);
  });

  it('parks the delivery until UTC midnight when the daily quota is spent', async () => {
    fake.quotaExceeded('daily');
    const error = (await channel.send(message(), context()).catch((e: unknown) => e)) as ParkedDeliveryError;
    expect(error).toBeInstanceOf(ParkedDeliveryError);
    expect(error).toMatchObject({ parked: true, retryable: true, status: 429 });
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    expect(error.resumeAt.toISOString()).toBe(midnight.toISOString());
  });

  it('retries a 500 and a concurrent request with the same key', async () => {
    fake.failNext(500, 'internal_server_error').failNext(409, 'concurrent_idempotent_requests');
    await expect(channel.send(message(), context())).rejects.toMatchObject({ retryable: true, status: 500 });
    await expect(channel.send(message(), context())).rejects.toMatchObject({ retryable: true, status: 409 });
  });
});

describe('classifyResendError', () => {
  const now = () => Date.parse('2026-01-31T22:15:00Z');

  it('parks a monthly quota until the first of next month, UTC', () => {
    const error = classifyResendError({ name: 'monthly_quota_exceeded', statusCode: 429 }, null, now) as ParkedDeliveryError;
    expect(error.resumeAt.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(error.retryAfterMs).toBe(105 * 60_000);
  });

  it('parks a daily quota until the next UTC day', () => {
    const error = classifyResendError({ name: 'daily_quota_exceeded', statusCode: 429 }, null, now) as ParkedDeliveryError;
    expect(error.resumeAt.toISOString()).toBe('2026-02-01T00:00:00.000Z');
  });

  it('falls back to ratelimit-reset when there is no retry-after', () => {
    const error = classifyResendError({ name: 'rate_limit_exceeded', statusCode: 429 }, { 'ratelimit-reset': '4' }, now);
    expect(error).toBeInstanceOf(RetryableDeliveryError);
    expect((error as RetryableDeliveryError).retryAfterMs).toBe(4000);
  });

  it.each([
    [400, 'validation_error', false],
    [403, 'invalid_api_key', false],
    [422, 'invalid_parameter', false],
    [409, 'invalid_idempotent_request', false],
    [409, 'concurrent_idempotent_requests', true],
    [500, 'application_error', true],
    [null, 'application_error', true],
  ] as const)('HTTP %s %s → retryable %s', (statusCode, name, retryable) => {
    expect(classifyResendError({ name, statusCode }, {}, now).retryable).toBe(retryable);
  });
});
