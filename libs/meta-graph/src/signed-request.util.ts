import { createHmac, timingSafeEqual } from 'node:crypto';

/** Decoded `signed_request` payload (deauthorize and data-deletion callbacks). */
export interface SignedRequestPayload {
  /** App-scoped user id of the person who removed the app / asked for deletion. */
  userId: string;
  algorithm: string;
  /** Epoch seconds. */
  issuedAt?: number;
  expires?: number;
  /** Everything Meta sent, as decoded. */
  raw: Record<string, unknown>;
}

export type SignedRequestFailure =
  'malformed' | 'bad-signature' | 'unsupported-algorithm' | 'missing-user-id';

export type SignedRequestResult =
  { ok: true; payload: SignedRequestPayload } | { ok: false; reason: SignedRequestFailure };

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

function decodeBase64Url(part: string): Buffer {
  const normalized = part.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  return Buffer.from(normalized + '='.repeat((4 - (normalized.length % 4)) % 4), 'base64');
}

/**
 * Verifies `<sig>.<payload>`: HMAC-SHA256 keyed with the app secret over the payload part AS
 * RECEIVED (the base64url string), compared in constant time; then checks the algorithm.
 */
export function parseSignedRequest(signedRequest: string, secret: string): SignedRequestResult {
  if (typeof signedRequest !== 'string' || !secret) {
    return { ok: false, reason: 'malformed' };
  }
  const parts = signedRequest.trim().split('.');
  if (parts.length !== 2) {
    return { ok: false, reason: 'malformed' };
  }
  const [sigPart, payloadPart] = parts;
  if (!BASE64URL.test(sigPart) || !BASE64URL.test(payloadPart)) {
    return { ok: false, reason: 'malformed' };
  }
  const received = decodeBase64Url(sigPart);
  const expected = createHmac('sha256', secret).update(payloadPart, 'utf8').digest();
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
    return { ok: false, reason: 'bad-signature' };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(decodeBase64Url(payloadPart).toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, reason: 'malformed' };
  }
  const data = raw as Record<string, unknown>;
  const algorithm = typeof data.algorithm === 'string' ? data.algorithm : '';
  if (algorithm.toUpperCase() !== 'HMAC-SHA256') {
    return { ok: false, reason: 'unsupported-algorithm' };
  }
  const userId =
    typeof data.user_id === 'string' || typeof data.user_id === 'number'
      ? String(data.user_id)
      : '';
  if (!userId) {
    return { ok: false, reason: 'missing-user-id' };
  }
  return {
    ok: true,
    payload: {
      userId,
      algorithm,
      issuedAt: typeof data.issued_at === 'number' ? data.issued_at : undefined,
      expires: typeof data.expires === 'number' ? data.expires : undefined,
      raw: data,
    },
  };
}

/** Builds a `signed_request` the way Meta does (for tests and emulators). */
export function createSignedRequest(payload: Record<string, unknown>, secret: string): string {
  const payloadPart = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  const sig = createHmac('sha256', secret).update(payloadPart, 'utf8').digest('base64url');
  return `${sig}.${payloadPart}`;
}
