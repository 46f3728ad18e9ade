import { afterAll, describe, expect, it } from '@jest/globals';
import { PermanentDeliveryError, RetryableDeliveryError } from '../../src/channels/errors';
import type { PartnerMessage } from '../../src/channels/messages';
import type { PartnerName } from '../../src/connections/connection';
import { ConnectionRefusedError } from '../../src/partners/partner';
import { closedPort } from '../support/closed-port';
import type { FakeReply, FakeRequest, Scripted } from '../support/fakes/fake-server';
import { startPartnerStand, STAND_ORG, type PartnerStand } from '../support/partner-stand';
import { describeChannelContract } from './channel-contract';

/** What the contract needs of any partner fake: scripted answers and the requests seen. */
interface ScriptableFake {
  replyNext(...replies: Scripted[]): unknown;
  readonly requests: readonly FakeRequest[];
}

/** The partners wedding changes are synced to; Slack is a chat app (test/integration/slack-app-orgs.test.ts). */
type SyncPartner = Exclude<PartnerName, 'slack'>;

function fakeOf(stand: PartnerStand, partner: SyncPartner): ScriptableFake {
  const fakes: Record<SyncPartner, ScriptableFake> = {
    'vsco-workspace': stand.fakes.vsco,
    'light-blue': stand.fakes.lightBlue,
    'honeybook-zapier': stand.fakes.zapier,
    'venue-webhook': stand.fakes.venue,
    tripleseat: stand.fakes.tripleseat,
    mailchimp: stand.fakes.mailchimp,
    'constant-contact': stand.fakes.constantContact,
  };
  return fakes[partner];
}

const context = (n: number) => ({ signal: new AbortController().signal, attempt: 1, deliveryId: `dlv_partner_contract_${n}` });

/**
 * The shared channel contract, then what every partner adapter must also do against its fake:
 * 429 with and without Retry-After, 5xx retryable, 404/409/422 permanent, and a refused
 * credential (401) that stops that connection with a clear reason, once, and no other.
 */
export function describePartnerContract(partner: SyncPartner, options: { rejection: FakeReply; connectionOptions?: Record<string, unknown> }): void {
  let standing: Promise<PartnerStand> | undefined;
  const stand = () => (standing ??= startPartnerStand(partner.replace(/\W/g, '_').slice(0, 10)));
  let sequence = 0;
  afterAll(async () => (await stand()).close());

  describe(`${partner} partner contract`, () => {
    const send = async (message: PartnerMessage) => (await stand()).channel.send(message, context((sequence += 1)));
    const failureOf = (sending: Promise<unknown>) => sending.then(() => new Error('expected a failure'), (e: unknown) => e);

    it.each([429, 500, 502, 503])('classifies %i without Retry-After as retryable with no delay of its own', async (status) => {
      const s = await stand();
      const connection = await s.connect(partner, options.connectionOptions);
      fakeOf(s, partner).replyNext({ status, body: { status } });
      const error = await failureOf(send(connection.message()));
      expect(error).toBeInstanceOf(RetryableDeliveryError);
      expect((error as RetryableDeliveryError).retryAfterMs).toBeUndefined();
    });

    it.each([404, 409, 422])('classifies %i as permanent', async (status) => {
      const s = await stand();
      const connection = await s.connect(partner, options.connectionOptions);
      fakeOf(s, partner).replyNext({ status, body: { status } });
      expect(await failureOf(send(connection.message()))).toBeInstanceOf(PermanentDeliveryError);
    });

    it('stops the connection on a refused credential, with a clear reason, once; the others still deliver', async () => {
      const s = await stand();
      const revoked = await s.connect(partner, options.connectionOptions);
      const other = await s.connect(partner, options.connectionOptions);
      revoked.revoke();
      const error = await failureOf(send(revoked.message()));
      expect(error).toBeInstanceOf(ConnectionRefusedError);
      const stored = (await s.store.list(STAND_ORG)).find((c) => c.id === revoked.summary.id)!;
      expect(stored).toMatchObject({ enabled: false, health: { state: 'revoked' } });
      expect(stored.health.reason).toMatch(new RegExp(`^${partner} .*(refused|denied|hook answered)`));
      for (const secret of revoked.secrets) expect(`${String((error as Error).message)} ${stored.health.reason}`).not.toContain(secret);

      const before = fakeOf(s, partner).requests.length;
      const again = await failureOf(send(revoked.message()));
      expect(again).toBeInstanceOf(PermanentDeliveryError);
      expect((again as Error).message).toContain('is off');
      expect(fakeOf(s, partner).requests.length).toBe(before);
      expect(s.stopped.filter((e) => e.connectionId === revoked.summary.id)).toHaveLength(1);

      await expect(send(other.message())).resolves.toMatchObject({ status: expect.any(Number) });
      expect((await s.store.list(STAND_ORG)).find((c) => c.id === other.summary.id)).toMatchObject({ enabled: true, health: { state: 'ok' } });
    });
  });

  describeChannelContract<PartnerMessage>(partner, async () => {
    const s = await stand();
    const connection = await s.connect(partner, options.connectionOptions);
    const fake = fakeOf(s, partner);
    return {
      channel: s.channel,
      message: () => connection.message(),
      rateLimited: (seconds) => (fake.replyNext({ status: 429, headers: { 'retry-after': String(seconds) }, body: { status: 429 } }), connection.message()),
      expectedRetryAfterMs: (seconds) => seconds * 1000,
      rejected: () => (fake.replyNext(options.rejection), connection.message()),
      hanging: () => (fake.replyNext({ hang: true }), connection.message()),
      unreachable: async () => {
        const port = await closedPort();
        if (partner !== 'honeybook-zapier' && partner !== 'venue-webhook') return { channel: s.unreachable(port), message: connection.message() };
        const secret = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
        const url = `http://127.0.0.1:${port}/hooks/catch/1/gone/`;
        const credentials: Record<string, string> = partner === 'honeybook-zapier' ? { hookUrl: url, signingSecret: secret } : { url, signingSecret: secret };
        const dead = await s.store.add({ organizationId: STAND_ORG, partner, name: `${partner} unreachable`, options: {}, credentials });
        return { channel: s.channel, message: { ...connection.message(), connectionId: dead.id } };
      },
      requestCount: () => fake.requests.length,
      secrets: connection.secrets,
      close: async () => undefined,
    };
  });
}
