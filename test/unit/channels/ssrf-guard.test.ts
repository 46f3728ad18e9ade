import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import type { buildConnector } from 'undici';
import { PermanentDeliveryError } from '../../../src/channels/errors';
import { createAddressPolicy } from '../../../src/channels/webhook/address-policy';
import { createSsrfGuardedAgent, SsrfRefusedError, type LookupAll } from '../../../src/channels/webhook/ssrf-guard';
import { createWebhookChannel } from '../../../src/channels/webhook/webhook-channel';
import { WebhookReceiver } from '../../support/webhook-receiver';

const SECRET = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;

/** A connector that records its calls and never opens a socket. */
function recordingConnector() {
  const calls: buildConnector.Options[] = [];
  const connect: buildConnector.connector = (options, callback) => {
    calls.push(options);
    callback(Object.assign(new Error('the test connector opens no sockets'), { code: 'ETEST' }), null);
  };
  return { calls, connect };
}

/** Resolves every name to `addresses`, and counts the lookups. */
function fixedLookup(...addresses: string[]) {
  const names: string[] = [];
  const lookup: LookupAll = (hostname) => {
    names.push(hostname);
    return Promise.resolve(addresses.map((address) => ({ address })));
  };
  return { names, lookup };
}

const post = (agent: ReturnType<typeof createSsrfGuardedAgent>, origin: string) =>
  agent.request({ origin, path: '/hook?token=path-secret', method: 'POST', body: '{}' }).then(
    () => {
      throw new Error('expected the request to be refused');
    },
    (error: unknown) => error,
  );

describe('SSRF guard for partner webhooks', () => {
  it.each([
    ['10.0.0.1', 'private (RFC 1918)'],
    ['169.254.169.254', 'link-local (incl. cloud metadata)'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['100.64.0.1', 'carrier-grade NAT (RFC 6598)'],
    ['fd12:3456::1', 'unique-local IPv6'],
    ['::7f00:1', 'IPv4-compatible IPv6'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.251', 'multicast'],
  ])('refuses a name resolving to %s (%s) before any connection', async (address, range) => {
    const { calls, connect } = recordingConnector();
    const agent = createSsrfGuardedAgent({ lookup: fixedLookup(address).lookup, connect });
    const error = (await post(agent, 'http://partner.example:8080')) as SsrfRefusedError;
    await agent.close();
    expect(calls).toEqual([]);
    expect(error).toBeInstanceOf(SsrfRefusedError);
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error).toMatchObject({ code: 'ERR_SSRF_REFUSED', range, retryable: false });
    expect(error.message).toBe(`refused to connect to partner.example: it resolves to ${address}, a ${range} address`);
    expect(`${error.message}${error.stack}`).not.toContain('path-secret');
  });

  it('refuses when any one of several addresses is internal', async () => {
    const { calls, connect } = recordingConnector();
    const agent = createSsrfGuardedAgent({ lookup: fixedLookup('93.184.216.34', '10.1.2.3').lookup, connect });
    expect(await post(agent, 'https://partner.example')).toMatchObject({ range: 'private (RFC 1918)' });
    await agent.close();
    expect(calls).toEqual([]);
  });

  it('checks an address written into the URL without asking DNS', async () => {
    const { calls, connect } = recordingConnector();
    const dns = fixedLookup('93.184.216.34');
    const agent = createSsrfGuardedAgent({ lookup: dns.lookup, connect });
    expect(await post(agent, 'http://169.254.169.254')).toBeInstanceOf(SsrfRefusedError);
    expect(await post(agent, 'http://[::1]:8080')).toBeInstanceOf(SsrfRefusedError);
    await agent.close();
    expect(dns.names).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('connects to the vetted address itself, resolved once, with TLS still checked against the host name', async () => {
    const { calls, connect } = recordingConnector();
    const dns = fixedLookup('93.184.216.34');
    const agent = createSsrfGuardedAgent({ lookup: dns.lookup, connect });
    await post(agent, 'https://partner.example');
    await agent.close();
    expect(dns.names).toEqual(['partner.example']);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ hostname: '93.184.216.34', servername: 'partner.example', protocol: 'https:' });
  });

  it('passes a DNS failure on as the network error it is', async () => {
    const { calls, connect } = recordingConnector();
    const lookup: LookupAll = () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND partner.example'), { code: 'ENOTFOUND' }));
    const agent = createSsrfGuardedAgent({ lookup, connect });
    expect(await post(agent, 'https://partner.example')).toMatchObject({ code: 'ENOTFOUND' });
    await agent.close();
    expect(calls).toEqual([]);
  });

  describe('against a loopback receiver', () => {
    const receiver = new WebhookReceiver();
    const dns = fixedLookup('127.0.0.1');
    const agent = createSsrfGuardedAgent({ allow: ['127.0.0.1'], lookup: dns.lookup });
    const channel = createWebhookChannel({ http: agent, userAgent: 'ssrf-test' });
    const context = () => ({ signal: new AbortController().signal, attempt: 1, deliveryId: 'dlv_ssrf' });
    const message = () => ({ channel: 'webhook' as const, url: `http://partner.test:${receiver.port}/hook`, secrets: [SECRET], timeoutMs: 5_000, body: '{"ok":1}' });

    beforeAll(() => receiver.start());
    afterAll(async () => {
      await agent.close();
      await receiver.close();
    });

    it('delivers end to end to an allowed address, with the partner\'s host name in Host', async () => {
      const receipt = await channel.send(message(), context());
      expect(receipt.status).toBe(200);
      const request = receiver.requests.at(-1)!;
      expect(request.headers.host).toBe(`partner.test:${receiver.port}`);
      expect(new Webhook(SECRET).verify(request.body, request.headers as Record<string, string>)).toEqual({ ok: 1 });
    });

    it('refuses the same receiver when the allow list does not name it', async () => {
      const strict = createSsrfGuardedAgent({ lookup: dns.lookup });
      const before = receiver.requests.length;
      expect(await post(strict, `http://partner.test:${receiver.port}`)).toMatchObject({ range: 'loopback' });
      await strict.close();
      expect(receiver.requests.length).toBe(before);
    });

    it('does not follow a redirect, even one to the metadata address', async () => {
      receiver.respondWith({ status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } });
      const before = receiver.requests.length;
      await expect(channel.send(message(), context())).rejects.toMatchObject({ status: 302, retryable: false });
      expect(receiver.requests.length).toBe(before + 1);
    });
  });
});

describe('address policy', () => {
  const policy = createAddressPolicy(['10.1.0.0/16', 'fd00:1::5']);

  it.each([
    ['8.8.8.8', null],
    ['2606:4700::1111', null],
    ['10.1.200.7', null],
    ['::ffff:10.1.0.9', null],
    ['fd00:1::5', null],
    ['10.2.0.1', 'private (RFC 1918)'],
    ['172.16.5.5', 'private (RFC 1918)'],
    ['192.168.1.1', 'private (RFC 1918)'],
    ['127.8.8.8', 'loopback'],
    ['fe80::1%eth0', 'link-local (incl. cloud metadata)'],
    ['fd00:1::6', 'unique-local IPv6'],
    ['::ffff:169.254.169.254', 'link-local (incl. cloud metadata)'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.1', 'reserved'],
    ['64:ff9b::a00:1', 'NAT64 (RFC 6052)'],
    ['not-an-ip', 'unparseable address'],
  ])('%s → %s', (address, refused) => {
    expect(policy(address)).toBe(refused);
  });

  it('rejects an allow-list entry that is no address or CIDR, at construction', () => {
    expect(() => createAddressPolicy(['partner.example'])).toThrow();
  });
});
