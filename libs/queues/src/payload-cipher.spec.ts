import { randomBytes } from 'node:crypto';
import { PayloadCipher, PayloadDecryptionError } from './payload-cipher';

const key = (): string => randomBytes(32).toString('base64');

describe('PayloadCipher', () => {
  const current = key();
  const cipher = new PayloadCipher(current);
  const item = { message: { text: 'hello there', attachments: [{ url: 'https://cdn/x.jpg' }] } };

  it('seals content unreadably and opens it for the same job only', () => {
    const sealed = cipher.seal(item, 'instagram-inbound/job-1');
    expect(sealed).toMatch(/^p1\.[\w-]{8}\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('hello');
    expect(Buffer.from(sealed.split('.')[3] ?? '', 'base64url').toString()).not.toContain('hello');
    expect(cipher.open(sealed, 'instagram-inbound/job-1')).toEqual(item);
    expect(() => cipher.open(sealed, 'instagram-inbound/job-2')).toThrow(PayloadDecryptionError);
  });

  it('refuses tampered or truncated content', () => {
    const sealed = cipher.seal(item, 'c');
    const [version, id, iv, body] = sealed.split('.') as [string, string, string, string];
    const bytes = Buffer.from(body, 'base64url');
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    expect(() => cipher.open(`${version}.${id}.${iv}.${bytes.toString('base64url')}`, 'c')).toThrow(
      'authentication failed',
    );
    // A shortened tag is refused (GCM tag length enforced).
    const short = Buffer.from(body, 'base64url').subarray(0, -4).toString('base64url');
    expect(() => cipher.open(`${version}.${id}.${iv}.${short}`, 'c')).toThrow(
      PayloadDecryptionError,
    );
    expect(() => cipher.open('v1:abc', 'c')).toThrow('unknown format');
  });

  it('opens content sealed under a previous key (TOKEN_ENCRYPTION_PREVIOUS_KEYS), tolerantly parsed', () => {
    const old = key();
    const sealedBefore = new PayloadCipher(old).seal(item, 'c');
    const rotated = new PayloadCipher(current, ` not-a-key , k1:${old},`);
    expect(rotated.open(sealedBefore, 'c')).toEqual(item);
    expect(() => cipher.open(sealedBefore, 'c')).toThrow(/no key with id/);
  });

  it('never quotes the content in its errors', () => {
    const other = new PayloadCipher(key());
    const sealed = cipher.seal(item, 'c');
    try {
      other.open(sealed, 'c');
    } catch (error) {
      expect(String(error)).not.toContain('hello');
    }
    expect.assertions(1);
  });
});
