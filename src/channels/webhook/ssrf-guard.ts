import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { PermanentDeliveryError } from '../errors';
import { createAddressPolicy } from './address-policy';

/** A partner URL resolved to an address it may not reach. Permanent: DNS that points inside stays so. */
export class SsrfRefusedError extends PermanentDeliveryError {
  readonly code = 'ERR_SSRF_REFUSED';

  constructor(
    readonly hostname: string,
    readonly address: string,
    readonly range: string,
  ) {
    super(`refused to connect to ${hostname}: it resolves to ${address}, a ${range} address`);
  }
}

export type LookupAll = (hostname: string) => Promise<readonly { address: string }[]>;

export interface SsrfGuardOptions {
  /** Addresses or CIDRs that may be reached although private, e.g. a partner over a VPN. Default none. */
  readonly allow?: readonly string[];
  /** Every address of a host name. Default: node:dns lookup with `all: true`. */
  readonly lookup?: LookupAll;
  /** Opens the socket to the vetted address. Default: undici's buildConnector({ timeout: 10 s }). */
  readonly connect?: buildConnector.connector;
}

/**
 * An undici connector that resolves the host itself, refuses it if ANY address is internal, and
 * then connects to the vetted address, so a DNS answer that changes between check and connect
 * (rebinding) is never used. TLS still checks the certificate against the host name.
 */
export function createSsrfGuardedConnector({
  allow = [],
  lookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true }),
  connect = buildConnector({ timeout: 10_000 }),
}: SsrfGuardOptions = {}): buildConnector.connector {
  const refusedRange = createAddressPolicy(allow);
  return (options, callback) => {
    const { hostname } = options;
    const resolving = isIP(hostname) ? Promise.resolve([{ address: hostname }]) : Promise.resolve(hostname).then(lookup);
    resolving.then(
      (addresses) => {
        const first = addresses[0];
        if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), null);
        for (const { address } of addresses) {
          const range = refusedRange(address);
          if (range) return callback(new SsrfRefusedError(hostname, address, range), null);
        }
        const servername = options.servername || (isIP(hostname) ? undefined : hostname);
        connect({ ...options, hostname: first.address, ...(servername ? { servername } : {}) }, callback);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), null),
    );
  };
}

/** An Agent for partner webhooks: every new connection goes through the guard. Redirects are never followed. */
export function createSsrfGuardedAgent(options: SsrfGuardOptions & { readonly agent?: Omit<Agent.Options, 'connect'> } = {}): Agent {
  return new Agent({ ...options.agent, connect: createSsrfGuardedConnector(options) });
}
