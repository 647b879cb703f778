import { kindOf, retryAfterOf } from '@app/platform';

/** Not a failure: the job must wait its turn (per-conversation order) and run again later. */
export class DeferJobError extends Error {
  readonly kind = 'deferred';
  constructor(
    readonly retryAfterMs: number,
    reason: string,
  ) {
    super(`deferred: ${reason}`);
    this.name = 'DeferJobError';
  }
}

export const BACKOFF_STRATEGY = 'classified';
const BASE_MS = 1_000;
const MAX_MS = 5 * 60_000;
/** Auth failures keep the job waiting (the admin may reconnect) with slow retries. */
const AUTH_WAIT_MS = 5 * 60_000;

function plannedDelayOf(err: unknown): number | undefined {
  if (err && typeof err === 'object' && 'plannedDelayMs' in err) {
    const ms = err.plannedDelayMs;
    return typeof ms === 'number' ? ms : undefined;
  }
  return undefined;
}

/**
 * For processors that decide the retry themselves (they count failures in the job, apart from
 * deferrals): Bull then waits exactly `delayMs`, or fails the job at once when it is -1.
 */
export function withPlannedDelay<E extends object>(
  error: E,
  delayMs: number,
): E & { plannedDelayMs: number } {
  return Object.assign(error, { plannedDelayMs: delayMs });
}

/** Full jitter keeps many retrying jobs from hitting a recovering upstream in step. */
function jitter(ms: number, random: () => number): number {
  return Math.round(ms / 2 + (random() * ms) / 2);
}

export interface BackoffOptions {
  /** For tests: the jitter's source of randomness. */
  random?: () => number;
}

/**
 * Bull custom backoff: a delay in ms, or -1 to fail the job now (permanent errors go straight to
 * the failed set, visible in Bull Board, instead of burning attempts). Bull calls it with a third
 * argument, the job's `backoff.options` (null when none): it must never be taken for a function.
 */
export function classifiedBackoff(
  attemptsMade: number,
  err: unknown,
  options?: BackoffOptions | null,
): number {
  const random = typeof options?.random === 'function' ? options.random : Math.random;
  const planned = plannedDelayOf(err);
  if (planned !== undefined) {
    return planned;
  }
  switch (kindOf(err)) {
    case 'permanent':
      return -1;
    case 'deferred':
      return Math.max(1, retryAfterOf(err) ?? 100);
    case 'rate-limited':
      return jitter(
        Math.max(retryAfterOf(err) ?? 0, BASE_MS * 2 ** Math.min(attemptsMade, 8)),
        random,
      );
    case 'auth':
      return jitter(AUTH_WAIT_MS, random);
    default:
      // 'retryable', or an error we did not classify (a bug, a DB blip): retry with backoff.
      return jitter(Math.min(MAX_MS, BASE_MS * 2 ** Math.max(0, attemptsMade - 1)), random);
  }
}
