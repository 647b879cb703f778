import { ClassifiedError, FailureKind } from '@app/platform';

export interface LiveChatApiErrorInit {
  method: string;
  kind: FailureKind;
  status?: number;
  vendorType?: string;
  retryAfterMs?: number;
  /** `misdirected_request` carries the right data-center region. */
  region?: string;
  /** Short, token-free reason for non-HTTP failures: `timeout`, `network`, `invalid_response`. */
  reason?: string;
  cause?: unknown;
}

/**
 * Every failure of the LiveChat clients. The message is built only from the method, kind, vendor
 * type and status, so it never contains tokens, request bodies or message text.
 */
export class LiveChatApiError extends ClassifiedError {
  readonly status?: number;
  readonly vendorType?: string;
  readonly method: string;
  readonly region?: string;

  constructor(init: LiveChatApiErrorInit) {
    const detail = [init.kind, init.vendorType ?? init.reason].filter(Boolean).join(' ');
    const status = init.status !== undefined ? ` (${init.status})` : '';
    super(init.kind, `livechat ${init.method} failed: ${detail}${status}`, {
      retryAfterMs: init.retryAfterMs,
      cause: init.cause,
    });
    this.name = 'LiveChatApiError';
    this.method = init.method;
    if (init.status !== undefined) {
      this.status = init.status;
    }
    if (init.vendorType !== undefined) {
      this.vendorType = init.vendorType;
    }
    if (init.region !== undefined) {
      this.region = init.region;
    }
  }
}

export function isLiveChatApiError(err: unknown): err is LiveChatApiError {
  return err instanceof LiveChatApiError;
}

const RETRYABLE_TYPES = new Set([
  'internal',
  'service_unavailable',
  'request_timeout',
  'server_error',
]);
const RATE_LIMITED_TYPES = new Set(['too_many_requests', 'temporarily_unavailable']);
const AUTH_TYPES = new Set(['authentication', 'invalid_grant', 'invalid_token', 'unauthorized']);

/**
 * Classifies an HTTP failure. Vendor types win over statuses where they are explicit, because the
 * chat API's status codes are undocumented (its `error.type` is the contract).
 */
export function classifyLiveChatFailure(
  status: number | undefined,
  vendorType: string | undefined,
): FailureKind {
  if (status === undefined) {
    return 'retryable';
  }
  if (status === 429 || (vendorType !== undefined && RATE_LIMITED_TYPES.has(vendorType))) {
    return 'rate-limited';
  }
  if (status === 401 || (vendorType !== undefined && AUTH_TYPES.has(vendorType))) {
    return 'auth';
  }
  if (
    status >= 500 ||
    status === 408 ||
    (vendorType !== undefined && RETRYABLE_TYPES.has(vendorType))
  ) {
    return 'retryable';
  }
  return 'permanent';
}

/** `Retry-After` as delta-seconds or an HTTP date; undefined when absent or unparsable. */
export function parseRetryAfter(
  value: string | null,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value.trim() === '') {
    return undefined;
  }
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    return Math.round(Number(trimmed) * 1000);
  }
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) {
    return undefined;
  }
  return Math.max(0, date - now);
}
