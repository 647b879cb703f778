import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'sha256=';

/** `sha256=<hex>` for a body, as Meta computes it (tests and emulators sign with this). */
export function computeHubSignature(rawBody: Buffer | string, secret: string): string {
  return PREFIX + createHmac('sha256', secret).update(rawBody).digest('hex');
}

/**
 * Checks `X-Hub-Signature-256` against the RAW request bytes. Meta signs the escaped-unicode form
 * it sends, so re-serialised JSON would not match whenever the text has non-ASCII characters.
 * Several secrets are accepted because which app secret signs IG-Login webhooks is unconfirmed.
 */
export function verifyHubSignature(
  rawBody: Buffer,
  header: string | undefined,
  secrets: string[],
): boolean {
  if (!header || !Buffer.isBuffer(rawBody)) {
    return false;
  }
  const value = header.trim();
  if (value.slice(0, PREFIX.length).toLowerCase() !== PREFIX) {
    return false;
  }
  const hex = value.slice(PREFIX.length);
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    return false;
  }
  const received = Buffer.from(hex, 'hex');
  let ok = false;
  for (const secret of secrets) {
    if (!secret) {
      continue;
    }
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    // No early exit: the time taken does not reveal which secret matched.
    ok = timingSafeEqual(received, expected) || ok;
  }
  return ok;
}

export type HubChallengeResult = { ok: true; challenge: string } | { ok: false };

/**
 * The subscription handshake (`GET` with `hub.mode`, `hub.verify_token`, `hub.challenge`): echo
 * the challenge when the token matches, else the caller answers 403.
 */
export function verifyHubChallenge(
  query: Record<string, unknown>,
  verifyToken: string,
): HubChallengeResult {
  const pick = (key: string): string | undefined => {
    const value = query[key] ?? query[key.replace('.', '_')];
    return typeof value === 'string' ? value : undefined;
  };
  const mode = pick('hub.mode');
  const token = pick('hub.verify_token');
  const challenge = pick('hub.challenge');
  if (mode !== 'subscribe' || token === undefined || challenge === undefined || !verifyToken) {
    return { ok: false };
  }
  const a = Buffer.from(token);
  const b = Buffer.from(verifyToken);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    return { ok: false };
  }
  return { ok: true, challenge };
}
