import { isIP } from 'node:net';
import { neverDialled, refusedAddressReason, systemResolver, type HostResolver, type ResolvedAddress } from '@airlock/tools/addresses';

export { pinnedLookup, type HostResolver, type ResolvedAddress } from '@airlock/tools/addresses';
import { z } from 'zod';

/**
 * A subscription's URL as an operator may give it: http(s), no credentials, no
 * fragment. Where it resolves is checked again at every delivery (DNS changes).
 */
export const WebhookUrl = z
  .string()
  .trim()
  .max(2000)
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }))
  // Refinements run even after the URL check failed: an unparsable value passes them (it is already refused).
  .refine((raw) => {
    const url = URL.parse(raw);
    return !url || (!url.username && !url.password);
  }, 'must not carry credentials; the signature authenticates Airlock')
  .refine((raw) => !URL.parse(raw)?.hash, 'must not have a #fragment');

export interface TargetPolicy {
  /** Tests and single-machine set-ups only (AIRLOCK_WEBHOOKS_ALLOW_LOOPBACK): loopback receivers are allowed. */
  allowLoopback: boolean;
  resolve?: HostResolver;
}

export class RefusedTargetError extends Error {
  override name = 'RefusedTargetError';
}

const isLoopback = (address: string) => (refusedAddressReason(address) ?? '').startsWith('loopback');

/**
 * The address a delivery connects to, after the same SSRF checks the http
 * tool makes: every address the name resolves to must be public (loopback only
 * when allowed), and the connection is pinned to the vetted address so a DNS
 * answer cannot change between the check and the connect.
 */
export async function vetTarget(rawUrl: string, policy: TargetPolicy): Promise<{ url: URL; address: ResolvedAddress }> {
  const url = new URL(rawUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RefusedTargetError(`scheme ${url.protocol} is not allowed`);
  const host = url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  const literal = isIP(host);
  const addresses = literal ? [{ address: host, family: literal === 6 ? (6 as const) : (4 as const) }] : await (policy.resolve ?? systemResolver)(host);
  if (addresses.length === 0) throw new RefusedTargetError(`${host} has no addresses`);
  for (const { address } of addresses) {
    const reason = refusedAddressReason(address);
    if (!reason) continue;
    if (policy.allowLoopback && isLoopback(address) && !neverDialled(address)) continue;
    throw new RefusedTargetError(`refused ${host}: it resolves to ${address}, a ${reason} address (SSRF protection)`);
  }
  return { url, address: addresses[0]! };
}
