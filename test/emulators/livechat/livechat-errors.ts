/** LiveChat's error bodies, per API family; the HTTP plumbing is ../shared/http-toolkit. */

/** Thrown by route handlers; the server turns it into the response. */
export class EmulatorHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`emulator error ${status}`);
  }
}

/** Chat and Configuration API error body: `{ error: { type, message } }`. */
export function chatError(status: number, type: string, message: string): EmulatorHttpError {
  return new EmulatorHttpError(status, { error: { type, message } });
}

/** Global Accounts API error body: `{ error, error_description }`. */
export function accountsError(
  status: number,
  error: string,
  description: string,
): EmulatorHttpError {
  return new EmulatorHttpError(status, { error, error_description: description });
}

/** Customer Accounts API error body: `{ oauth_exception, exception_description }`. */
export function customerAccountsError(
  status: number,
  exception: string,
  description: string,
): EmulatorHttpError {
  return new EmulatorHttpError(status, {
    oauth_exception: exception,
    exception_description: description,
  });
}
