import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Channel } from '../../src/channels/channel';
import { PermanentDeliveryError, RetryableDeliveryError, ShutdownAbortError } from '../../src/channels/errors';
import { waitFor } from '../support/wait-for';

/** What one adapter brings to the contract: a channel against its loopback fake, and ways to provoke each outcome. */
export interface ContractSubject<M> {
  readonly channel: Channel<M>;
  /** A message the fake accepts. */
  message(): M;
  /** The next send is rate limited with Retry-After (in-app: a retryable server error); returns what to send. */
  rateLimited(retryAfterSeconds: number): M | Promise<M>;
  /** What `retryAfterMs` the channel must report then; undefined when the provider gives no delay. */
  readonly expectedRetryAfterMs: (retryAfterSeconds: number) => number | undefined;
  /** The next send is refused for good (a 4xx; in-app: bad data). */
  rejected(): M | Promise<M>;
  /** The next send never gets an answer. */
  hanging(): M | Promise<M>;
  /** Ends what `hanging()` holds once the send gave up, when that does not end by itself (a table lock). */
  endHang?(): Promise<void>;
  /** The next send's connection is cut mid-request (the fake destroys the socket); say so in `provides`. */
  cutOff?(): M | Promise<M>;
  /** The same channel kind, aimed at a port nothing listens on. */
  unreachable(): Promise<{ readonly channel: Channel<M>; readonly message: M }>;
  /** How many requests reached the fake so far. */
  requestCount(): number | Promise<number>;
  /** Every credential in play: none may appear in an error. */
  readonly secrets: readonly string[];
  close(): Promise<void>;
}

/**
 * The shared suite every channel passes (style.md §3.9): success gives a receipt; 429 is
 * retryable with the provider's delay; other refusals are permanent; a refused connection is
 * retryable; shutdown stops a send at once; and no error carries a secret.
 */
export function describeChannelContract<M>(name: string, setup: () => Promise<ContractSubject<M>>, provides: { readonly cutOff?: boolean } = {}): void {
  describe(`${name} channel contract`, () => {
    let subject: ContractSubject<M>;
    let sequence = 0;
    const context = (signal = new AbortController().signal) => ({ signal, attempt: 1, deliveryId: `dlv_contract_${name}_${(sequence += 1)}` });

    /** The send's rejection, already checked for secrets (message, stack, and everything a logger would print). */
    const rejection = async (sending: Promise<unknown>): Promise<unknown> => {
      const error = await sending.then(
        () => {
          throw new Error('expected the send to fail');
        },
        (e: unknown) => e,
      );
      const printed = `${String((error as Error).message)}\n${String((error as Error).stack)}\n${inspect(error, { depth: 8 })}`;
      for (const secret of subject.secrets) expect(printed).not.toContain(secret);
      return error;
    };

    beforeAll(async () => {
      subject = await setup();
    });
    afterAll(() => subject.close());

    it('returns a receipt when the provider accepts the message', async () => {
      const receipt = await subject.channel.send(subject.message(), context());
      expect(receipt.status !== undefined || receipt.providerMessageId !== undefined).toBe(true);
    });

    it('classifies rate limiting as retryable, with the delay the provider asked for', async () => {
      const message = await subject.rateLimited(7);
      const error = await rejection(subject.channel.send(message, context()));
      expect(error).toBeInstanceOf(RetryableDeliveryError);
      expect((error as RetryableDeliveryError).retryAfterMs).toBe(subject.expectedRetryAfterMs(7));
    });

    it('classifies a refusal as permanent', async () => {
      const message = await subject.rejected();
      const error = await rejection(subject.channel.send(message, context()));
      expect(error).toBeInstanceOf(PermanentDeliveryError);
    });

    it('classifies a refused connection as retryable', async () => {
      const { channel, message } = await subject.unreachable();
      const error = await rejection(channel.send(message, context()));
      expect(error).toBeInstanceOf(RetryableDeliveryError);
    });

    // Through the adapter's own SDK (resend's fetch, twilio's axios, undici): however it wraps the socket error, it is the network's.
    if (provides.cutOff) {
      it('classifies a connection cut mid-request as retryable', async () => {
        const error = await rejection(subject.channel.send(await subject.cutOff!(), context()));
        expect(error).toBeInstanceOf(RetryableDeliveryError);
      });
    }

    it('rejects with ShutdownAbortError while the provider is still silent when the signal aborts', async () => {
      const message = await subject.hanging();
      const before = await subject.requestCount();
      const controller = new AbortController();
      const sending = subject.channel.send(message, context(controller.signal));
      // Abort only once the request is out, so this is the in-flight path, not the early check.
      await waitFor(async () => (await subject.requestCount()) > before, { what: `the ${name} request to reach the fake` });
      controller.abort(new ShutdownAbortError());
      expect(await rejection(sending)).toBeInstanceOf(ShutdownAbortError);
      await subject.endHang?.();
    });

    it('makes no request at all when the worker is already shutting down', async () => {
      // How many requests one send makes (a marketing platform: one or more per person).
      const start = await subject.requestCount();
      await subject.channel.send(subject.message(), context());
      const perSend = (await subject.requestCount()) - start;
      const before = await subject.requestCount();
      const error = await rejection(subject.channel.send(subject.message(), context(AbortSignal.abort(new ShutdownAbortError()))));
      expect(error).toBeInstanceOf(ShutdownAbortError);
      // A request leaked by the aborted send would have left first: one full round trip later, it is counted.
      await subject.channel.send(subject.message(), context());
      expect(await subject.requestCount()).toBe(before + perSend);
    });
  });
}
