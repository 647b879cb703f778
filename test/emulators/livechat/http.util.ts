import { IncomingMessage, ServerResponse } from 'node:http';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

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

export const MAX_REQUEST_BYTES = 32 * 1024 * 1024;

/** Reads the whole body (up to a cap well above LiveChat's 10 MB file limit). */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
  });
  res.end(html);
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { Location: location, 'Content-Length': 0 });
  res.end();
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** JSON object, form fields, or `{}`; never throws (the call record keeps what it could read). */
export function parseBody(
  raw: Buffer,
  contentType: string,
): { body: JsonObject; json: boolean; valid: boolean } {
  if (raw.length === 0) {
    return { body: {}, json: false, valid: true };
  }
  if (contentType.includes('application/x-www-form-urlencoded')) {
    return {
      body: Object.fromEntries(new URLSearchParams(raw.toString('utf8'))),
      json: false,
      valid: true,
    };
  }
  if (contentType.includes('multipart/form-data')) {
    return { body: {}, json: false, valid: true };
  }
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    return { body: isObject(parsed) ? parsed : {}, json: true, valid: isObject(parsed) };
  } catch {
    return { body: {}, json: false, valid: false };
  }
}

export function bearerOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') {
    return undefined;
  }
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match?.[1];
}
