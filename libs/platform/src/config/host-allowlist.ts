import { isIP } from 'node:net';

/**
 * Where Meta serves messaging attachments: `lookaside.fbsbx.com/ig_messaging_cdn/…` (which
 * redirects to the CDN), `*.fbcdn.net` and `*.cdninstagram.com` (Instagram's own media hosts).
 * Wildcards only: a wildcard match must still resolve to a public address.
 */
export const DEFAULT_MEDIA_HOST_ALLOWLIST = '*.fbsbx.com,*.fbcdn.net,*.cdninstagram.com';

/** Hosts an outbound fetch may reach. */
export interface HostAllowlist {
  /** Hosts listed by name or address: trusted even on private or loopback addresses. */
  readonly exact: ReadonlySet<string>;
  /** `*.suffix` entries, stored as `.suffix`: match subdomains only, never private addresses. */
  readonly suffixes: readonly string[];
}

export type HostAllowance = 'explicit' | 'wildcard' | null;

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Lower case, no IPv6 brackets, no trailing dot: how hosts are compared. */
export function normalizeHost(host: string): string {
  const lower = host.trim().toLowerCase();
  const unbracketed = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
  return unbracketed.endsWith('.') ? unbracketed.slice(0, -1) : unbracketed;
}

function isDnsName(name: string, minLabels: number): boolean {
  const labels = name.split('.');
  return labels.length >= minLabels && name.length <= 253 && labels.every((l) => LABEL.test(l));
}

/**
 * Parses `host,*.suffix,…` (hostnames, IP addresses, `*.suffix` with at least two labels after
 * the star). Null when any entry is malformed, empty entries included: a typo must not widen or
 * silently narrow what is fetched.
 */
export function parseHostAllowlist(value: string): HostAllowlist | null {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const raw of value.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry.startsWith('*.')) {
      const suffix = entry.slice(2);
      if (!isDnsName(suffix, 2)) {
        return null;
      }
      suffixes.push(`.${suffix}`);
      continue;
    }
    const host = normalizeHost(entry);
    if (!host || (isIP(host) === 0 && !isDnsName(host, 1))) {
      return null;
    }
    exact.add(host);
  }
  return { exact, suffixes };
}

/** How a host is allowed: listed by name (`explicit`), by a `*.suffix` (`wildcard`), or not. */
export function hostAllowance(list: HostAllowlist, host: string): HostAllowance {
  const normalized = normalizeHost(host);
  if (list.exact.has(normalized)) {
    return 'explicit';
  }
  return isIP(normalized) === 0 && list.suffixes.some((s) => normalized.endsWith(s))
    ? 'wildcard'
    : null;
}
