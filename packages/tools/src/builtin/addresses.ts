import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** One address a host name resolves to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}
/** DNS, injectable for tests; the default asks the system resolver for every address. */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: HostResolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** Special-purpose ranges (IANA registries) a tool must never reach unless an entry trusts the host. */
const IPV4_REFUSED: [string, number, string][] = [
  ['0.0.0.0', 8, '"this network"'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT (shared)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved / broadcast'],
];

const IPV6_REFUSED: [string, number, string][] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::ffff:0:0', 96, 'IPv4-mapped'],
  ['::', 96, 'IPv4-compatible'],
  ['64:ff9b::', 96, 'NAT64 (embeds IPv4)'],
  ['64:ff9b:1::', 48, 'NAT64 (embeds IPv4)'],
  ['100::', 64, 'discard-only'],
  ['2001::', 32, 'Teredo (embeds IPv4)'],
  ['2001:10::', 28, 'ORCHID'],
  ['2001:20::', 28, 'ORCHIDv2'],
  ['2001:db8::', 32, 'documentation'],
  ['2002::', 16, '6to4 (embeds IPv4)'],
  ['3fff::', 20, 'documentation'],
  ['fc00::', 7, 'unique local (ULA)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local (deprecated)'],
  ['ff00::', 8, 'multicast'],
];

const ranges = [
  ...IPV4_REFUSED.map(([net, prefix, label]) => ({ family: 'ipv4' as const, net, prefix, label })),
  ...IPV6_REFUSED.map(([net, prefix, label]) => ({ family: 'ipv6' as const, net, prefix, label })),
].map((r) => {
  const list = new BlockList();
  list.addSubnet(r.net, r.prefix, r.family);
  return { ...r, list };
});

const globalUnicastV6 = new BlockList();
globalUnicastV6.addSubnet('2000::', 3, 'ipv6');

/**
 * Why an address must not be reached, or null for a public unicast address.
 * Allowlist-shaped: IPv6 outside 2000::/3 is refused as a whole.
 */
export function refusedAddressReason(address: string): string | null {
  const version = isIP(address);
  if (version === 0) return 'not an IP address';
  const family = version === 4 ? 'ipv4' : 'ipv6';
  for (const r of ranges) if (r.family === family && r.list.check(address, family)) return `${r.label} ${r.net}/${r.prefix}`;
  if (family === 'ipv6' && !globalUnicastV6.check(address, 'ipv6')) return 'not global unicast IPv6';
  return null;
}

/** Unspecified and multicast are never dialled, even for a host trusted with private addresses. */
export function neverDialled(address: string): boolean {
  const reason = refusedAddressReason(address) ?? '';
  return reason.startsWith('unspecified') || reason.startsWith('"this network"') || reason.startsWith('multicast');
}

/** Always the vetted address: the connection never resolves the name again (no DNS-rebinding window). */
export function pinnedLookup(address: ResolvedAddress): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: address.address, family: address.family }]);
    else callback(null, address.address, address.family);
  }) as LookupFunction;
}
