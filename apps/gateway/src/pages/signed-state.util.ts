import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

export type StateCheck<T> =
  | { ok: true; payload: T }
  | { ok: false; reason: 'missing' | 'malformed' | 'bad-signature' | 'expired' };

const MAX_STATE_LENGTH = 2_048;

/**
 * Tamper-proof, expiring `state` values for OAuth round trips, so nothing about a flow in progress
 * is stored server-side: `base64url(json).base64url(hmac)`. The HMAC key is derived (HKDF) from
 * TOKEN_ENCRYPTION_KEY with a purpose label, so a state minted for one flow never verifies in
 * another, and the encryption key itself is never used for anything but encryption. The payload
 * is signed, not encrypted: never put a secret in it.
 */
export class SignedState<T> {
  private readonly key: Buffer;

  constructor(
    secretBase64: string,
    private readonly purpose: string,
    private readonly parse: (raw: unknown) => T | undefined,
  ) {
    this.key = Buffer.from(
      hkdfSync(
        'sha256',
        Buffer.from(secretBase64, 'base64'),
        Buffer.alloc(0),
        `igl:${purpose}`,
        32,
      ),
    );
  }

  sign(payload: T, ttlMs: number, now: number = Date.now()): string {
    const body = Buffer.from(
      JSON.stringify({ p: payload, x: Math.floor((now + ttlMs) / 1000) }),
      'utf8',
    ).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  verify(state: unknown, now: number = Date.now()): StateCheck<T> {
    if (typeof state !== 'string' || state === '') {
      return { ok: false, reason: 'missing' };
    }
    const parts = state.split('.');
    if (state.length > MAX_STATE_LENGTH || parts.length !== 2) {
      return { ok: false, reason: 'malformed' };
    }
    const [body, mac] = parts as [string, string];
    const expected = Buffer.from(this.mac(body), 'utf8');
    const given = Buffer.from(mac, 'utf8');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return { ok: false, reason: 'bad-signature' };
    }
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (typeof decoded !== 'object' || decoded === null) {
      return { ok: false, reason: 'malformed' };
    }
    const { p, x } = decoded as { p?: unknown; x?: unknown };
    const payload = this.parse(p);
    if (typeof x !== 'number' || payload === undefined) {
      return { ok: false, reason: 'malformed' };
    }
    if (x * 1000 <= now) {
      return { ok: false, reason: 'expired' };
    }
    return { ok: true, payload };
  }

  /** A secret derived from a public value (e.g. a PKCE verifier from the state's nonce). */
  derive(label: string, value: string): string {
    return createHmac('sha256', this.key).update(`${label}\n${value}`, 'utf8').digest('base64url');
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key)
      .update(`${this.purpose}\n${body}`, 'utf8')
      .digest('base64url');
  }
}
