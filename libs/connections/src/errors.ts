import { FailureKind } from '@app/queues';

/**
 * A failure decided by us rather than by a platform (no installation, account disconnected,
 * grant missing), carrying the same `kind` contract the queue backoff reads.
 */
export class RelayError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'RelayError';
  }
}
