import { createHash, randomBytes } from 'node:crypto';
import { PkcePair } from './livechat-accounts.types';

/** S256 challenge of a PKCE verifier (base64url, no padding). */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** A fresh PKCE pair: 32 random bytes give a 43-character verifier (the minimum allowed). */
export function createPkcePair(): PkcePair {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: pkceChallenge(verifier), method: 'S256' };
}
