import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import { hostAllowance, HostAllowlist, normalizeHost } from '@app/platform';

/** Why a media URL was not fetched: a short, fixed code (metric label) and a sentence (log). */
export type MediaRefusal = 'scheme' | 'host' | 'address' | 'plain-http' | 'redirects' | 'malformed';

export class MediaUrlRefusedError extends Error {
  constructor(
    readonly code: MediaRefusal,
    reason: string,
  ) {
    super(reason);
    this.name = 'MediaUrlRefusedError';
  }
}

/** Addresses no public CDN uses: private, loopback, link-local, shared, reserved, multicast. */
const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

function family(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/** True for any address a public CDN would not have (IPv4-mapped IPv6 included). */
export function isNonPublicAddress(address: string): boolean {
  return NON_PUBLIC.check(address, family(address));
}

export function isLoopbackAddress(address: string): boolean {
  return LOOPBACK.check(address, family(address));
}

/** What a URL that passed the host check may connect to. */
export interface MediaHop {
  url: URL;
  /** Listed by name: trusted on private and loopback addresses. */
  allowNonPublic: boolean;
  /** Plain http: only to loopback addresses. */
  loopbackOnly: boolean;
}

/**
 * Checks scheme and host of one hop (the first URL or a redirect's target). The addresses are
 * checked when the connection is made (guardedLookup), so a name cannot pass here and then
 * resolve somewhere else.
 */
export function checkMediaUrl(url: URL, allowlist: HostAllowlist): MediaHop {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new MediaUrlRefusedError('scheme', `scheme ${url.protocol} is not fetched`);
  }
  if (url.username || url.password) {
    throw new MediaUrlRefusedError('malformed', 'URL carries credentials');
  }
  const host = normalizeHost(url.hostname);
  const allowance = hostAllowance(allowlist, host);
  if (!allowance) {
    throw new MediaUrlRefusedError('host', 'host is not in MEDIA_HOST_ALLOWLIST');
  }
  const explicit = allowance === 'explicit';
  const plainHttp = url.protocol === 'http:';
  if (plainHttp && !explicit) {
    throw new MediaUrlRefusedError('plain-http', 'plain http to a host not listed by name');
  }
  if (isIP(host) !== 0) {
    // An address literal never goes through the lookup: check it here.
    assertAddress(host, { allowNonPublic: explicit, loopbackOnly: plainHttp });
  }
  return { url, allowNonPublic: explicit, loopbackOnly: plainHttp };
}

function assertAddress(
  address: string,
  rules: { allowNonPublic: boolean; loopbackOnly: boolean },
): void {
  if (rules.loopbackOnly && !isLoopbackAddress(address)) {
    throw new MediaUrlRefusedError('plain-http', 'plain http to a non-loopback address');
  }
  if (!rules.allowNonPublic && isNonPublicAddress(address)) {
    throw new MediaUrlRefusedError(
      'address',
      'host resolves to a private or loopback address and is not listed by name',
    );
  }
}

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    );
  });

/**
 * The `lookup` of the hop's connection: resolves the name once, refuses it when any address is
 * one the hop may not reach (so DNS rebinding cannot reach an internal address), and hands the
 * checked addresses to the socket, which connects to nothing else.
 */
export function guardedLookup(hop: MediaHop, resolver: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolver(hostname).then(
      (resolved) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
        const addresses = resolved.filter((a) => wanted === 0 || a.family === wanted);
        try {
          if (addresses.length === 0) {
            throw Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' });
          }
          for (const a of addresses) {
            assertAddress(a.address, hop);
          }
        } catch (error) {
          callback(error as NodeJS.ErrnoException, '', 0);
          return;
        }
        if (options.all) {
          (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        } else {
          const first = addresses[0];
          callback(null, first.address, first.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

/** The URL as it may be logged: no query string or fragment (signatures, tokens). */
export function loggableUrl(url: URL | string): string {
  try {
    const parsed = typeof url === 'string' ? new URL(url) : url;
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(malformed URL)';
  }
}
