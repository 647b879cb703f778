import { ClassifiedError, FailureKind } from '@app/platform';

/**
 * A failure decided by us rather than by a platform (no installation, account disconnected,
 * grant missing), carrying the same `kind` contract the queue backoff reads.
 */
export class RelayError extends ClassifiedError {
  constructor(
    kind: FailureKind,
    message: string,
    readonly code: string,
  ) {
    super(kind, message);
    this.name = 'RelayError';
  }
}
