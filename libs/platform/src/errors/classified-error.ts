/**
 * How a failure should be handled: the one vocabulary of both platform clients, the relay and
 * the cleanup worker. The queue backoff retries by it, never by message text.
 */
export const FAILURE_KINDS = ['retryable', 'rate-limited', 'auth', 'permanent'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/**
 * What a thrown error says: a failure kind, `deferred` (the job waits its turn; not a failure), or
 * `unclassified` (a bug, a driver error: retried like `retryable`).
 */
export type ErrorKind = FailureKind | 'deferred' | 'unclassified';

const ERROR_KINDS: ReadonlySet<string> = new Set<string>([...FAILURE_KINDS, 'deferred']);

function isErrorKind(value: unknown): value is FailureKind | 'deferred' {
  return typeof value === 'string' && ERROR_KINDS.has(value);
}

export interface ClassifiedErrorOptions {
  /** How long the upstream asked us to wait (e.g. `Retry-After`). */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * The base of every error classified at its edge (LiveChatApiError, MetaGraphError, RelayError).
 * Subclasses compose messages from ids and codes only, never tokens or message text.
 */
export class ClassifiedError extends Error {
  readonly kind: FailureKind;
  readonly retryAfterMs?: number;

  constructor(kind: FailureKind, message: string, options: ClassifiedErrorOptions = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'ClassifiedError';
    this.kind = kind;
    if (options.retryAfterMs !== undefined) {
      this.retryAfterMs = options.retryAfterMs;
    }
  }
}

/**
 * The kind an error carries; `unclassified` when it carries none.
 * Reads the `kind` field rather than the class alone: `DeferJobError` (queues) and the content-free
 * copies Bull stores in place of a failure (relay `safeFailure`) carry the same contract.
 */
export function kindOf(error: unknown): ErrorKind {
  if (error instanceof ClassifiedError) {
    return error.kind;
  }
  if (error && typeof error === 'object' && 'kind' in error) {
    return isErrorKind(error.kind) ? error.kind : 'unclassified';
  }
  return 'unclassified';
}

/** The wait the error asks for before a retry, in ms; undefined when none (or not a valid one). */
export function retryAfterOf(error: unknown): number | undefined {
  if (error && typeof error === 'object' && 'retryAfterMs' in error) {
    const ms = error.retryAfterMs;
    return typeof ms === 'number' && ms >= 0 ? ms : undefined;
  }
  return undefined;
}
