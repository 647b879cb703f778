import { RelayError } from '@app/credentials';
import { isLiveChatApiError } from '@app/livechat-sdk';
import { isMetaGraphError } from '@app/meta-graph';

/** What a revocation step came to when the platform answered with an error we accept. */
export type ToleratedResult = 'already-gone' | 'not-permitted' | 'refused';

/**
 * Revocation is best effort against whatever is left: a token that no longer works (401, Graph
 * code 190), an object that no longer exists (404), or a call the platform refuses for good is
 * the end of that step, recorded. Only transient failures (5xx, timeouts, rate limits) are
 * retried; they return undefined here and the caller rethrows.
 */
export function toleratedRevocationError(error: unknown): ToleratedResult | undefined {
  if (isMetaGraphError(error)) {
    if (error.kind === 'auth' || error.status === 401 || error.status === 404) {
      return 'already-gone';
    }
    if (error.kind === 'permanent') {
      return error.reason === 'permission-missing' ? 'not-permitted' : 'refused';
    }
    return undefined;
  }
  if (isLiveChatApiError(error)) {
    if (error.kind === 'auth' || error.status === 401 || error.status === 404) {
      return 'already-gone';
    }
    return error.kind === 'permanent' ? 'refused' : undefined;
  }
  return undefined;
}

/** An authentication failure from LiveChat (or our credentials layer refusing a missing grant). */
export function isAuthFailure(error: unknown): boolean {
  return (isLiveChatApiError(error) || error instanceof RelayError) && error.kind === 'auth';
}
