import { IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/** HTTP plumbing both emulators share; what a vendor answers stays in each emulator. */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Well above LiveChat's 10 MB file limit; past it the rest of a body is dropped. */
export const MAX_REQUEST_BYTES = 32 * 1024 * 1024;

/** Reads the whole body (up to `maxBytes`; the rest is read and dropped). */
export function readBody(req: IncomingMessage, maxBytes = MAX_REQUEST_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface BodyRules {
  /** How a body whose content type is neither JSON nor a form is read. */
  otherwise: 'json' | 'form';
  /** Form values that look like JSON objects or arrays are parsed (Meta's curl samples). */
  jsonFormValues?: boolean;
}

export interface ParsedBody {
  body: JsonObject;
  /** Read as JSON. */
  json: boolean;
  /** False when a JSON body was not an object, or not JSON at all. */
  valid: boolean;
}

/**
 * A JSON object, form fields, or `{}` (multipart bodies are read elsewhere); never throws, so a
 * call record keeps what it could read.
 */
export function parseBody(
  raw: Buffer,
  contentType: string | undefined,
  rules: BodyRules,
): ParsedBody {
  const text = raw.toString('utf8');
  if (text.trim() === '') {
    return { body: {}, json: false, valid: raw.length === 0 };
  }
  const type = contentType ?? '';
  if (type.includes('multipart/form-data')) {
    return { body: {}, json: false, valid: true };
  }
  const asForm =
    type.includes('application/x-www-form-urlencoded') ||
    (type !== '' && !type.includes('json') && rules.otherwise === 'form');
  if (asForm) {
    return { body: parseForm(text, rules.jsonFormValues === true), json: false, valid: true };
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return { body: isObject(parsed) ? parsed : {}, json: true, valid: isObject(parsed) };
  } catch {
    return { body: {}, json: false, valid: false };
  }
}

function parseForm(text: string, jsonValues: boolean): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of new URLSearchParams(text)) {
    out[key] = jsonValues ? jsonOrText(value) : value;
  }
  return out;
}

function jsonOrText(value: string): unknown {
  if (!/^[[{]/.test(value)) {
    return value;
  }
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** The token of `Authorization: Bearer …`. */
export function bearerOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') {
    return undefined;
  }
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match?.[1];
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A minimal HTML document around `body` (the emulators' dialogs and error pages). */
export function htmlDocument(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`;
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

export function sendRedirect(
  res: ServerResponse,
  location: string,
  status = 302,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { Location: location, 'Content-Length': 0, ...headers });
  res.end();
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Listens on `host:port` (port 0: a free one); returns the URL a local client uses. */
export async function listen(server: Server, port = 0, host = '127.0.0.1'): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  // A wildcard bind is reachable locally through loopback.
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${urlHost}:${address.port}`;
}

/** Stops listening and drops every connection, hung ones included. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * A delay added to every platform API answer (production calls take 100–300 ms; the emulators
 * answer in well under 1 ms). Concurrent requests wait side by side. 0: none (the default).
 */
export class BaseLatency {
  private ms = 0;

  set(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new Error(`base latency must be a non-negative number of ms, got ${ms}`);
    }
    this.ms = ms;
  }

  get(): number {
    return this.ms;
  }

  async wait(): Promise<void> {
    if (this.ms > 0) {
      await delay(this.ms);
    }
  }
}
