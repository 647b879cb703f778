import { ClassifiedError, FailureKind } from '@app/platform';

/** Why, in terms a relay can act on (tell the agent, mark re-auth, alert). */
export type MetaErrorReason =
  | 'window-closed'
  | 'user-unavailable'
  | 'token-invalid'
  | 'permission-missing'
  | 'rate-limited'
  | 'invalid-parameter'
  | 'attachment-failed'
  | 'policy-blocked'
  | 'temporary'
  | 'unknown';

export interface MetaGraphErrorInit {
  method: string;
  /** How the caller should react; the queue backoff reads it (and `retryAfterMs`), nothing else. */
  kind: FailureKind;
  reason: MetaErrorReason;
  retryAfterMs?: number;
  status?: number;
  code?: number;
  subcode?: number;
  fbtraceId?: string;
  /** Graph's `error.type` (e.g. `OAuthException`). */
  graphType?: string;
  /**
   * Graph's own message, for debugging. Kept out of `message` (which ends up in job records and
   * logs) because Graph sometimes echoes parameter values back.
   */
  graphMessage?: string;
  /** `timeout` or `network` when no HTTP response arrived. */
  transport?: 'timeout' | 'network';
}

/** The only error the Meta client throws. Its message never carries tokens or message text. */
export class MetaGraphError extends ClassifiedError {
  override readonly name = 'MetaGraphError';
  readonly reason: MetaErrorReason;
  readonly status?: number;
  readonly code?: number;
  readonly subcode?: number;
  readonly fbtraceId?: string;
  readonly method: string;
  readonly graphType?: string;
  readonly graphMessage?: string;
  readonly transport?: 'timeout' | 'network';

  constructor(init: MetaGraphErrorInit) {
    super(init.kind, describe(init), { retryAfterMs: init.retryAfterMs });
    this.reason = init.reason;
    this.status = init.status;
    this.code = init.code;
    this.subcode = init.subcode;
    this.fbtraceId = init.fbtraceId;
    this.method = init.method;
    this.graphType = init.graphType;
    this.graphMessage = init.graphMessage;
    this.transport = init.transport;
  }
}

export function isMetaGraphError(err: unknown): err is MetaGraphError {
  return err instanceof MetaGraphError;
}

function describe(init: MetaGraphErrorInit): string {
  let detail: string;
  if (init.code !== undefined) {
    detail = `code ${init.code}${init.subcode !== undefined ? `/${init.subcode}` : ''}`;
  } else if (init.status !== undefined) {
    detail = `status ${init.status}`;
  } else {
    detail = init.transport ?? 'no response';
  }
  const retry = init.retryAfterMs !== undefined ? `, retry after ${init.retryAfterMs} ms` : '';
  return `meta ${init.method} failed: ${init.kind} ${init.reason} (${detail}${retry})`;
}
