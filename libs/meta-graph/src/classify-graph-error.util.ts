import { FailureKind } from '@app/platform';
import { MetaErrorReason, MetaGraphError } from './meta-graph.error';

/** The `error` object of a Graph error body (all fields optional: never trust the shape). */
export interface GraphErrorBody {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  fbtrace_id?: string;
  is_transient?: boolean;
}

export interface GraphFailure {
  method: string;
  status?: number;
  /** The parsed response body, whatever it was. */
  body?: unknown;
  /** Response headers, for `Retry-After` and Meta's usage headers. */
  headers?: Headers;
  /** Set when no response arrived. */
  transport?: 'timeout' | 'network';
}

const RATE_LIMIT_CODES = new Set([4, 17, 32, 341, 613]);
const WINDOW_CLOSED_SUBCODES = new Set([2018278, 2534022]);
/** "This person isn't available right now" (551/1545041) and "No matching user found" (100/2018001). */
const USER_UNAVAILABLE_SUBCODES = new Set([1545041, 2018001]);
const ATTACHMENT_FAILED_SUBCODES = new Set([2018047]);
const POLICY_BLOCKED_SUBCODES = new Set([1893063]);
/** Graph codes that mean the token (not a permission) is no longer usable. */
const TOKEN_INVALID_CODES = new Set([102, 190]);
/**
 * "User consent is required to access user profile" (Chatwoot's reading; UNCONFIRMED in Meta's
 * docs). It sits inside the 200-299 permission range but is about one customer, not the
 * connection, so it must not send the connection to re-auth.
 */
const PROFILE_CONSENT_CODE = 230;

interface Classification {
  kind: FailureKind;
  reason: MetaErrorReason;
}

function byCode(code: number, subcode: number | undefined): Classification | undefined {
  // Subcodes first: they are more specific than the code they ride on (e.g. 10/2018278).
  if (subcode !== undefined) {
    if (WINDOW_CLOSED_SUBCODES.has(subcode)) {
      return { kind: 'permanent', reason: 'window-closed' };
    }
    if (USER_UNAVAILABLE_SUBCODES.has(subcode)) {
      return { kind: 'permanent', reason: 'user-unavailable' };
    }
    if (POLICY_BLOCKED_SUBCODES.has(subcode)) {
      return { kind: 'permanent', reason: 'policy-blocked' };
    }
    if (ATTACHMENT_FAILED_SUBCODES.has(subcode)) {
      return { kind: 'permanent', reason: 'attachment-failed' };
    }
  }
  if (code === 1 || code === 2) {
    return { kind: 'retryable', reason: 'temporary' };
  }
  if (RATE_LIMIT_CODES.has(code) || (code >= 80001 && code <= 80014)) {
    return { kind: 'rate-limited', reason: 'rate-limited' };
  }
  if (TOKEN_INVALID_CODES.has(code)) {
    return { kind: 'auth', reason: 'token-invalid' };
  }
  if (code === 10) {
    // 10/2018065: out-of-window send without an allowed tag (e.g. HUMAN_AGENT not approved).
    if (subcode === 2018065) {
      return { kind: 'permanent', reason: 'window-closed' };
    }
    if (subcode === undefined) {
      return { kind: 'auth', reason: 'permission-missing' };
    }
    // Other 10/x are per-message policy refusals; re-auth would not help.
    return { kind: 'permanent', reason: 'unknown' };
  }
  if (code === PROFILE_CONSENT_CODE) {
    return { kind: 'permanent', reason: 'user-unavailable' };
  }
  if (code >= 200 && code <= 299) {
    return { kind: 'auth', reason: 'permission-missing' };
  }
  if (code === 100) {
    return { kind: 'permanent', reason: 'invalid-parameter' };
  }
  if (code === 551) {
    return { kind: 'permanent', reason: 'user-unavailable' };
  }
  if (code === 368) {
    return { kind: 'permanent', reason: 'policy-blocked' };
  }
  return undefined;
}

function byStatus(status: number): Classification {
  if (status === 429) {
    return { kind: 'rate-limited', reason: 'rate-limited' };
  }
  if (status >= 500 || status === 408) {
    return { kind: 'retryable', reason: 'temporary' };
  }
  if (status === 401) {
    return { kind: 'auth', reason: 'token-invalid' };
  }
  if (status === 403) {
    return { kind: 'auth', reason: 'permission-missing' };
  }
  return { kind: 'permanent', reason: 'unknown' };
}

export function graphErrorOf(body: unknown): GraphErrorBody | undefined {
  if (!body || typeof body !== 'object' || !('error' in body)) {
    return undefined;
  }
  const error = body.error;
  if (!error || typeof error !== 'object') {
    return undefined;
  }
  const e = error as Record<string, unknown>;
  const num = (v: unknown): number | undefined => {
    if (typeof v === 'number' && Number.isFinite(v)) {
      return v;
    }
    if (typeof v === 'string' && /^\d+$/.test(v)) {
      return Number(v);
    }
    return undefined;
  };
  return {
    message: typeof e.message === 'string' ? e.message : undefined,
    type: typeof e.type === 'string' ? e.type : undefined,
    code: num(e.code),
    error_subcode: num(e.error_subcode),
    fbtrace_id: typeof e.fbtrace_id === 'string' ? e.fbtrace_id : undefined,
    is_transient: typeof e.is_transient === 'boolean' ? e.is_transient : undefined,
  };
}

/**
 * Turns any failed call into a MetaGraphError. Graph reports throttling and dead tokens as 4xx
 * with a code in the body, so the body's code wins over the HTTP status.
 */
export function classifyGraphFailure(failure: GraphFailure): MetaGraphError {
  const { method, status, transport } = failure;
  if (transport || status === undefined) {
    return new MetaGraphError({
      method,
      kind: 'retryable',
      reason: 'temporary',
      transport: transport ?? 'network',
    });
  }
  const graph = graphErrorOf(failure.body);
  let classification =
    graph?.code !== undefined ? byCode(graph.code, graph.error_subcode) : undefined;
  if (!classification && graph?.is_transient === true) {
    classification = { kind: 'retryable', reason: 'temporary' };
  }
  classification ??= byStatus(status);
  let retryAfterMs = failure.headers ? retryAfterFromHeaders(failure.headers) : undefined;
  if (classification.kind === 'permanent' || classification.kind === 'auth') {
    retryAfterMs = undefined;
  }
  return new MetaGraphError({
    method,
    ...classification,
    retryAfterMs,
    status,
    code: graph?.code,
    subcode: graph?.error_subcode,
    fbtraceId: graph?.fbtrace_id,
    graphType: graph?.type,
    graphMessage: graph?.message?.slice(0, 300),
  });
}

/**
 * Longest wait Meta asks for: `Retry-After` (seconds or HTTP date) and the
 * `estimated_time_to_regain_access` minutes in `X-Business-Use-Case-Usage` / `X-Page-Usage`.
 * Undefined when nothing (or zero) is stated, so the caller falls back to its own backoff.
 */
export function retryAfterFromHeaders(
  headers: Headers,
  now: number = Date.now(),
): number | undefined {
  const candidates: number[] = [];
  const retryAfter = headers.get('retry-after');
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter.trim())) {
      candidates.push(Math.round(Number(retryAfter) * 1000));
    } else {
      const at = Date.parse(retryAfter);
      if (!Number.isNaN(at)) {
        candidates.push(Math.max(0, at - now));
      }
    }
  }
  for (const name of ['x-business-use-case-usage', 'x-page-usage', 'x-app-usage']) {
    const value = headers.get(name);
    if (value) {
      candidates.push(...regainMinutesIn(value).map((m) => m * 60_000));
    }
  }
  const max = candidates.length > 0 ? Math.max(...candidates) : 0;
  return max > 0 ? max : undefined;
}

/** Collects every `estimated_time_to_regain_access` in a usage header, whatever its nesting. */
function regainMinutesIn(header: string): number[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(header);
  } catch {
    return [];
  }
  const found: number[] = [];
  const visit = (node: unknown, depth: number): void => {
    if (depth > 4 || !node || typeof node !== 'object') {
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((n) => visit(n, depth + 1));
      return;
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === 'estimated_time_to_regain_access') {
        const minutes = Number(value);
        if (Number.isFinite(minutes) && minutes > 0) {
          found.push(minutes);
        }
      } else {
        visit(value, depth + 1);
      }
    }
  };
  visit(parsed, 0);
  return found;
}
