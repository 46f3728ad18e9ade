import { describe, expect, it } from '@jest/globals';
import { censor } from '../../../src/lib/log-censor';
import { memoryLogger } from '../../support/memory-log';

const SECRET = 'sk_live_never_in_a_log_0001';

describe('the logger censors what objects carry by accident', () => {
  it('at any depth, in fields, child bindings and errors', () => {
    const { logger, text, lines } = memoryLogger();
    const child = logger.child({ deliveryId: 'dlv_1', config: { resend: { apiKey: SECRET } } });
    child.info({ request: { headers: { Authorization: `Bearer ${SECRET}`, 'webhook-signature': `v1,${SECRET}` } } }, 'sent');
    child.info({ deep: { a: { b: { secret: SECRET } } }, people: [{ email: 'ada@example.com', phone: '+14155550123' }] }, 'people');
    const error = Object.assign(new Error('provider said no'), { config: { authToken: SECRET } });
    child.error({ err: error }, 'failed');

    expect(text()).not.toContain(SECRET);
    expect(text()).not.toContain('ada@example.com');
    expect(text()).not.toContain('+14155550123');
    const [sent, people, failed] = lines;
    expect(sent).toMatchObject({ request: { headers: { Authorization: '[redacted]', 'webhook-signature': '[redacted]' } }, config: { resend: { apiKey: '[redacted]' } } });
    expect(people).toMatchObject({ deep: { a: { b: { secret: '[redacted]' } } }, people: [{ email: '[redacted]', phone: '[redacted]' }] });
    // The error stays an error in the log: its message and type survive the censoring.
    expect(failed).toMatchObject({ err: { message: 'provider said no', type: 'Error', config: { authToken: '[redacted]' } } });
  });

  it("censors a delivery message's address and URL, but keeps the log's own masked `to`", () => {
    const { logger, lines } = memoryLogger();
    logger.info({ to: 'a***@example.com', message: { channel: 'email', to: 'ada@example.com', url: 'https://hooks.example/T0/B0/token' } }, 'queued');
    expect(lines[0]).toMatchObject({ to: 'a***@example.com', message: { channel: 'email', to: '[redacted]', url: '[redacted]' } });
  });

  it('returns the same object, uncopied, when there is nothing to censor', () => {
    const fields = { deliveryId: 'dlv_1', attempt: 2, nested: { status: 503 }, list: [1, { ok: true }] };
    expect(censor(fields)).toBe(fields);
    const withSecret = { nested: { secret: SECRET }, other: { ok: true } };
    const censored = censor(withSecret);
    expect(censored).not.toBe(withSecret);
    expect(censored.other).toBe(withSecret.other);
    expect(withSecret.nested.secret).toBe(SECRET); // the caller's object is not changed
  });

  it("censors the URL Node keeps in an ERR_INVALID_URL's `input`", () => {
    const { logger, text, lines } = memoryLogger();
    const token = 'tok_in_a_query_never_logged';
    let error: unknown;
    try {
      new URL(`https://partner.example:65536/hook?token=${token}`);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'ERR_INVALID_URL', input: expect.stringContaining(token) });
    logger.error({ err: error }, 'delivery failed');
    expect(lines[0]).toMatchObject({ err: { code: 'ERR_INVALID_URL', input: '[redacted]' } });
    expect(text()).not.toContain(token);
  });
});
