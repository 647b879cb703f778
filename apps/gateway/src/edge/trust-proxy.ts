import { stringRule } from '@app/platform';
import { ValidationOptions } from 'class-validator';
import { isIP } from 'node:net';

/** Fastify's `trustProxy`: false (off), a hop count, or the proxies' addresses and CIDRs. */
export type TrustProxySetting = false | number | string[];

function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, extra] = entry.split('/');
  if (extra !== undefined || !address) {
    return false;
  }
  const family = isIP(address);
  if (family === 0) {
    return false;
  }
  if (prefix === undefined) {
    return true;
  }
  if (!/^\d{1,3}$/.test(prefix)) {
    return false;
  }
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * TRUST_PROXY as Fastify takes it. Unset or empty: off, the socket's peer is the client and
 * X-Forwarded-For is ignored (a client cannot pick its own rate-limit bucket). `N`: N proxies in
 * front, the Nth address from the right is the client. A list: only hops from those addresses
 * are skipped.
 */
export function parseTrustProxy(value: string | undefined): TrustProxySetting {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '' || trimmed === '0' || trimmed.toLowerCase() === 'false') {
    return false;
  }
  if (/^\d{1,2}$/.test(trimmed)) {
    return Number(trimmed);
  }
  const entries = trimmed
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 0 || !entries.every(isAddressOrCidr)) {
    throw new Error('TRUST_PROXY must be a hop count or a comma-separated list of IPs/CIDRs');
  }
  return entries;
}

export function IsTrustProxy(options?: ValidationOptions): PropertyDecorator {
  return stringRule(
    'isTrustProxy',
    'a hop count or a list of IPs/CIDRs',
    (value) => {
      try {
        parseTrustProxy(value);
        return true;
      } catch {
        return false;
      }
    },
    options,
  );
}
