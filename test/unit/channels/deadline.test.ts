import { describe, expect, it } from '@jest/globals';
import { createResendEmailChannel, type ResendLike } from '../../../src/channels/email/resend-email-channel';
import { RetryableDeliveryError, ShutdownAbortError } from '../../../src/channels/errors';
import { contentOf } from '../../support/delivery-factory';

/** A Resend client that never answers, except by rejecting when its request is aborted. */
function silentResend(): ResendLike & { aborted: () => boolean } {
  let aborted = false;
  return {
    aborted: () => aborted,
    emails: {
      send: (_payload, { signal }) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          }),
        ),
    },
  };
}

const message = { channel: 'email' as const, to: 'ana@example.com', toName: 'Ana', content: contentOf('normal') };

describe('provider deadlines', () => {
  it('fails a Resend request that never answers as retryable, and aborts the request itself', async () => {
    const client = silentResend();
    const channel = createResendEmailChannel({ client, from: 'WedSync <notify@wedsync.test>', timeoutMs: 50 });
    const sending = channel.send(message, { signal: new AbortController().signal, attempt: 1, deliveryId: 'dlv_deadline' });
    await expect(sending).rejects.toBeInstanceOf(RetryableDeliveryError);
    await expect(sending).rejects.toThrow('resend: no answer within 50 ms');
    expect(client.aborted()).toBe(true);
  });

  it('still reports a shutdown as a shutdown', async () => {
    const shutdown = new AbortController();
    const channel = createResendEmailChannel({ client: silentResend(), from: 'WedSync <notify@wedsync.test>', timeoutMs: 60_000 });
    const sending = channel.send(message, { signal: shutdown.signal, attempt: 1, deliveryId: 'dlv_shutdown' });
    shutdown.abort();
    await expect(sending).rejects.toBeInstanceOf(ShutdownAbortError);
  });
});
