import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
/** GCM's full tag: a shorter one would let a forger try far fewer guesses. */
const TAG_BYTES = 16;
const IV_BYTES = 12;

/** The id a key is known by inside ciphertexts: not secret, just a fingerprint. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export class TokenDecryptionError extends Error {
  constructor(reason: string) {
    super(`token could not be decrypted: ${reason}`);
    this.name = 'TokenDecryptionError';
  }
}

/**
 * AES-256-GCM for tokens at rest. Ciphertext: `v1:<keyId>:<iv>:<tag>:<data>` (base64 parts), so
 * a key can be rotated: encrypt with the current key, decrypt with whichever key the id names.
 * The row id is bound as additional authenticated data, so a ciphertext copied to another row
 * does not decrypt.
 */
export class TokenCipher {
  private readonly current: { id: string; key: Buffer };
  private readonly keys = new Map<string, Buffer>();

  constructor(currentKeyBase64: string, previousKeysBase64: readonly string[] = []) {
    const current = TokenCipher.decodeKey(currentKeyBase64);
    this.current = { id: keyIdOf(current), key: current };
    for (const encoded of [currentKeyBase64, ...previousKeysBase64]) {
      const key = TokenCipher.decodeKey(encoded);
      this.keys.set(keyIdOf(key), key);
    }
  }

  static fromConfig(current: string, previous?: string): TokenCipher {
    const list = (previous ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((pair) => (pair.includes(':') ? pair.slice(pair.indexOf(':') + 1) : pair));
    return new TokenCipher(current, list);
  }

  private static decodeKey(encoded: string): Buffer {
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32) {
      throw new Error('token encryption key must be 32 bytes');
    }
    return key;
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      VERSION,
      this.current.id,
      iv.toString('base64'),
      tag.toString('base64'),
      data.toString('base64'),
    ].join(':');
  }

  decrypt(ciphertext: string, context: string): string {
    const parts = ciphertext.split(':');
    if (parts.length !== 5 || parts[0] !== VERSION) {
      throw new TokenDecryptionError('unknown format');
    }
    const [, keyId, iv, tag, data] = parts as [string, string, string, string, string];
    const key = this.keys.get(keyId);
    if (!key) {
      throw new TokenDecryptionError(`no key with id ${keyId}`);
    }
    const ivBytes = Buffer.from(iv, 'base64');
    const tagBytes = Buffer.from(tag, 'base64');
    // Node accepts tags down to 4 bytes unless told the length: a truncated tag is a forgery.
    if (tagBytes.length !== TAG_BYTES || ivBytes.length !== IV_BYTES) {
      throw new TokenDecryptionError('authentication failed');
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, key, ivBytes, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tagBytes);
      return Buffer.concat([
        decipher.update(Buffer.from(data, 'base64')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new TokenDecryptionError('authentication failed');
    }
  }

  /** True when the ciphertext was made with a key other than the current one. */
  needsRotation(ciphertext: string): boolean {
    return ciphertext.split(':')[1] !== this.current.id;
  }
}
