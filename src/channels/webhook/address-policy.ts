import ipaddr from 'ipaddr.js';

const RANGE_NAMES: Readonly<Record<string, string>> = {
  loopback: 'loopback',
  private: 'private (RFC 1918)',
  carrierGradeNat: 'carrier-grade NAT (RFC 6598)',
  linkLocal: 'link-local (incl. cloud metadata)',
  uniqueLocal: 'unique-local IPv6',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'broadcast',
  reserved: 'reserved',
  rfc6052: 'NAT64 (RFC 6052)',
  '6to4': '6to4 (RFC 3056)',
  teredo: 'Teredo',
};

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * Which addresses a partner webhook may reach: public unicast only, plus an explicit allow
 * list of addresses or CIDRs. Returns the refused range's name, or null when allowed.
 */
export function createAddressPolicy(allow: readonly string[] = []): (address: string) => string | null {
  const allowed = allow.map(parseAllowEntry);
  return (address) => {
    let ip: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      // process() turns ::ffff:10.0.0.1 into 10.0.0.1, so a mapped form is judged as what it reaches.
      ip = ipaddr.process(address);
    } catch {
      return 'unparseable address';
    }
    if (allowed.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits))) return null;
    const range = ip.range();
    if (range !== 'unicast') return RANGE_NAMES[range] ?? `special-purpose (${range})`;
    return ip.kind() === 'ipv6' && isIpv4Compatible(ip as ipaddr.IPv6) ? 'IPv4-compatible IPv6' : null;
  };
}

function parseAllowEntry(entry: string): Cidr {
  if (entry.includes('/')) return ipaddr.parseCIDR(entry);
  const ip = ipaddr.process(entry);
  return [ip, ip.kind() === 'ipv4' ? 32 : 128];
}

// ::a.b.c.d (deprecated, RFC 4291): ipaddr.js calls it unicast, but it embeds an IPv4 address.
// (:: and ::1 are in the same /96; their own ranges are named first.)
function isIpv4Compatible(ip: ipaddr.IPv6): boolean {
  return ip.parts.slice(0, 6).every((part) => part === 0);
}
