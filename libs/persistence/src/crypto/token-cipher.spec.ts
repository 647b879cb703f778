import { randomBytes } from 'node:crypto';
import { keyIdOf, TokenCipher, TokenDecryptionError } from './token-cipher';

const key = (): string => randomBytes(32).toString('base64');

describe('TokenCipher', () => {
  it('round-trips a token and never leaves it readable in the ciphertext', () => {
    const cipher = new TokenCipher(key());
    const token = 'dal:test_YTJQ6GDVgQf8kQDPw';
    const sealed = cipher.encrypt(token, 'installations:1:access');
    expect(sealed).not.toContain(token);
    expect(sealed).not.toContain(Buffer.from(token).toString('base64'));
    expect(sealed.split(':')[1]).toBe(cipher.currentKeyId);
    expect(cipher.decrypt(sealed, 'installations:1:access')).toBe(token);
  });

  it('uses a fresh IV: the same token encrypts differently each time', () => {
    const cipher = new TokenCipher(key());
    expect(cipher.encrypt('same', 'c')).not.toBe(cipher.encrypt('same', 'c'));
  });

  it('refuses a ciphertext moved to another row (bound context)', () => {
    const cipher = new TokenCipher(key());
    const sealed = cipher.encrypt('secret-token', 'installations:1:access');
    expect(() => cipher.decrypt(sealed, 'installations:2:access')).toThrow(TokenDecryptionError);
  });

  it('refuses a tampered ciphertext', () => {
    const cipher = new TokenCipher(key());
    const parts = cipher.encrypt('secret-token', 'ctx').split(':');
    const data = Buffer.from(parts[4], 'base64');
    data[0] = (data[0] ?? 0) ^ 0xff;
    parts[4] = data.toString('base64');
    expect(() => cipher.decrypt(parts.join(':'), 'ctx')).toThrow('authentication failed');
  });

  it('refuses a truncated GCM tag (a prefix of the real tag is a forgery, not a match)', () => {
    const cipher = new TokenCipher(key());
    const parts = cipher.encrypt('secret-token', 'ctx').split(':');
    const tag = Buffer.from(parts[3] ?? '', 'base64');
    expect(tag).toHaveLength(16);
    for (const length of [4, 8, 12, 15]) {
      const truncated = [...parts];
      truncated[3] = tag.subarray(0, length).toString('base64');
      expect(() => cipher.decrypt(truncated.join(':'), 'ctx')).toThrow(TokenDecryptionError);
    }
    expect(cipher.decrypt(parts.join(':'), 'ctx')).toBe('secret-token');
  });

  it('rotates: old ciphertexts decrypt with a previous key, new ones use the current key', () => {
    const oldKey = key();
    const newKey = key();
    const sealedWithOld = new TokenCipher(oldKey).encrypt('t-1', 'ctx');
    const rotated = TokenCipher.fromConfig(newKey, oldKey);
    expect(rotated.decrypt(sealedWithOld, 'ctx')).toBe('t-1');
    expect(rotated.needsRotation(sealedWithOld)).toBe(true);
    const resealed = rotated.encrypt('t-1', 'ctx');
    expect(resealed.split(':')[1]).toBe(keyIdOf(Buffer.from(newKey, 'base64')));
    expect(rotated.needsRotation(resealed)).toBe(false);
  });

  it('names a missing key by id when the key was removed too early', () => {
    const sealed = new TokenCipher(key()).encrypt('t', 'ctx');
    expect(() => new TokenCipher(key()).decrypt(sealed, 'ctx')).toThrow(
      /no key with id [0-9a-f]{8}/,
    );
  });
});
