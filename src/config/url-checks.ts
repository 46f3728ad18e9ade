import ipaddr from 'ipaddr.js';
import { parse as parsePgConnectionString } from 'pg-connection-string';
import { z } from 'zod';

/**
 * Checks for the URLs and addresses in the configuration that a plain regex let through and a
 * library then refused at start with a stack trace. Messages never quote the value: most of
 * these carry a password.
 */

/** An http(s) URL with no user or password: undici and the SDKs drop those without a word. */
export const httpUrl = () =>
  z.url({ protocol: /^https?$/ }).refine((value) => {
    const url = parseUrl(value);
    return !url || (!url.username && !url.password);
  }, 'must not carry a user name or password (they would be dropped, never sent)');

const PORT_MESSAGE = 'has a port outside 1-65535';

/** Whether pg will accept it, parsed by the same parser pg uses, plus the port range it checks later. */
export function postgresUrlProblem(value: string): string | null {
  let port: string | null | undefined;
  try {
    ({ port } = parsePgConnectionString(value));
  } catch (error) {
    // Invalid URL (pg-connection-string redacts the input) or broken %-encoding (URIError).
    return error instanceof URIError ? 'has broken %-encoding' : 'is not a valid connection URL (a port over 65535?)';
  }
  return port && !validPort(port) ? PORT_MESSAGE : null;
}

/** ioredis parses it with `new URL` and decodes the user name and password. */
export function redisUrlProblem(value: string): string | null {
  const url = parseUrl(value);
  if (!url) return 'is not a valid URL (a port over 65535?)';
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    return 'has broken %-encoding';
  }
  return url.port && !validPort(url.port) ? PORT_MESSAGE : null;
}

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

function validPort(port: string): boolean {
  const n = Number(port);
  return Number.isInteger(n) && n >= 1 && n <= 65_535;
}

/** An address or CIDR the SSRF guard's allow list can parse (the same ipaddr.js calls it makes). */
export function isAddressOrCidr(entry: string): boolean {
  try {
    if (entry.includes('/')) ipaddr.parseCIDR(entry);
    else ipaddr.process(entry);
    return true;
  } catch {
    return false;
  }
}
