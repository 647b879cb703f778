import { randomBytes } from 'node:crypto';
import { htmlDocument } from '../shared/http-toolkit';

/** What a handler answers; the server writes it. */
export interface EmulatorResponse {
  status: number;
  /** JSON body (ignored when `rawBody` is set). */
  body?: unknown;
  rawBody?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  /** Never answer. */
  hang?: boolean;
}

export function ok(body: unknown): EmulatorResponse {
  return { status: 200, body };
}

export function redirectTo(location: string): EmulatorResponse {
  return { status: 302, headers: { location }, rawBody: '', contentType: 'text/html' };
}

export function htmlPage(status: number, title: string, body: string): EmulatorResponse {
  return { status, contentType: 'text/html; charset=utf-8', rawBody: htmlDocument(title, body) };
}

export function fbtraceId(): string {
  return randomBytes(8).toString('base64').replace(/[+/=]/g, 'A');
}

/** The HTTP status Graph uses for an error code. */
export function statusForCode(code: number): number {
  if (code === 1 || code === 2) {
    return 500;
  }
  if (code === 10 || (code >= 200 && code <= 299)) {
    return 403;
  }
  return 400;
}

const DEFAULT_MESSAGES: Record<number, string> = {
  1: 'An unknown error has occurred.',
  2: 'An unexpected error has occurred. Please retry your request later.',
  4: '(#4) Application request limit reached',
  10: '(#10) Application does not have permission for this action',
  17: '(#17) User request limit reached',
  32: '(#32) Page request limit reached',
  100: '(#100) Invalid parameter',
  190: 'Invalid OAuth access token - Cannot parse access token',
  200: '(#200) Permissions error',
  230: 'User consent is required to access user profile',
  368: 'The action attempted has been deemed abusive or is otherwise disallowed',
  551: "This person isn't available right now.",
  613: '(#613) Calls to this api have exceeded the rate limit.',
};

/** `{ "error": { message, type, code, error_subcode?, fbtrace_id } }` with Graph's status. */
export function graphError(
  code: number,
  options: {
    subcode?: number;
    message?: string;
    status?: number;
    type?: string;
    headers?: Record<string, string>;
    userTitle?: string;
    userMessage?: string;
  } = {},
): EmulatorResponse {
  const error: Record<string, unknown> = {
    message: options.message ?? DEFAULT_MESSAGES[code] ?? `(#${code}) Error`,
    type: options.type ?? 'OAuthException',
    code,
  };
  if (options.subcode !== undefined) {
    error.error_subcode = options.subcode;
  }
  if (code === 1 || code === 2) {
    error.is_transient = true;
  }
  if (options.userTitle) {
    error.error_user_title = options.userTitle;
  }
  if (options.userMessage) {
    error.error_user_msg = options.userMessage;
  }
  error.fbtrace_id = fbtraceId();
  const headers: Record<string, string> = { ...options.headers };
  if (code === 190) {
    headers['www-authenticate'] =
      `OAuth "Facebook Platform" "invalid_token" "${String(error.message).replace(/"/g, "'")}"`;
  }
  return { status: options.status ?? statusForCode(code), body: { error }, headers };
}

export const RATE_LIMIT_CODES = new Set([
  4, 17, 32, 613, 80001, 80002, 80003, 80004, 80005, 80006, 80008, 80009, 80014,
]);

/** `X-Business-Use-Case-Usage` as Meta sends it on throttled calls. */
export function businessUseCaseUsage(id: string, regainMinutes: number): string {
  return JSON.stringify({
    [id]: [
      {
        type: 'messenger',
        call_count: 100,
        total_cputime: 12,
        total_time: 20,
        estimated_time_to_regain_access: regainMinutes,
      },
    ],
  });
}

export const WINDOW_CLOSED = (): EmulatorResponse =>
  graphError(10, {
    subcode: 2018278,
    status: 400,
    message:
      '(#10) This message is sent outside of allowed window. Learn more about the new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview',
  });

export const USER_UNAVAILABLE = (): EmulatorResponse =>
  graphError(551, {
    subcode: 1545041,
    status: 400,
    message: "This person isn't available right now.",
  });
