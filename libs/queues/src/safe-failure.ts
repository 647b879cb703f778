import { ErrorKind, kindOf, retryAfterOf } from '@app/platform';

/** Fields of a classified platform or relay error that describe it without its content. */
const DESCRIPTIVE_FIELDS = [
  'method',
  'status',
  'vendorType',
  'reason',
  'code',
  'subcode',
  'transport',
] as const;

/** Errors whose message we compose from ids and codes only (never upstream or user text). */
const OWN_MESSAGE_ERRORS = new Set([
  'RelayError',
  'LiveChatApiError',
  'DeferJobError',
  'PayloadDecryptionError',
]);

function field(error: object, name: string): string | undefined {
  const value = (error as Record<string, unknown>)[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** A reason that names the failure by kind and codes; at most 300 characters. */
export function safeReason(error: unknown): string {
  if (!(error instanceof Error)) {
    return 'unclassified: a non-error was thrown';
  }
  const kind = kindOf(error);
  if (OWN_MESSAGE_ERRORS.has(error.name)) {
    return `${kind}: ${error.message}`.slice(0, 300);
  }
  const details = DESCRIPTIVE_FIELDS.map((name) => {
    const value = field(error, name);
    return value === undefined ? undefined : `${name}=${value}`;
  }).filter((part): part is string => part !== undefined);
  return `${kind}: ${error.name}${details.length > 0 ? ` ${details.join(' ')}` : ''}`.slice(0, 300);
}

/**
 * The error Bull stores (failedReason, stacktrace) instead of the one thrown: its message is
 * `safeReason`, its stack the original frames (code locations, no data). Messages of errors we do
 * not compose ourselves (Meta's error text, a JSON parse error quoting its input, a driver error)
 * could carry message content; Bull keeps them for FAILED_JOB_RETENTION_DAYS. The retry contract
 * (`kind`, `retryAfterMs`) is carried over.
 */
export function safeFailure(error: unknown): Error & { kind?: ErrorKind; retryAfterMs?: number } {
  const safe: Error & { kind?: ErrorKind; retryAfterMs?: number } = new Error(safeReason(error));
  safe.name = 'JobFailure';
  if (error instanceof Error) {
    const kind = kindOf(error);
    if (kind !== 'unclassified') {
      safe.kind = kind;
    }
    const retryAfterMs = retryAfterOf(error);
    if (retryAfterMs !== undefined) {
      safe.retryAfterMs = retryAfterMs;
    }
    const frames = (error.stack ?? '')
      .split('\n')
      .filter((line) => line.trimStart().startsWith('at '));
    safe.stack = [`JobFailure: ${safe.message}`, ...frames].join('\n');
  }
  return safe;
}
