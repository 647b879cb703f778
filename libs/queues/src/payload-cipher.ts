import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomFillSync } from 'node:crypto';
import { JsonObject } from './job-payloads';

/**
 * Content sealed for its trip through Redis: `p1.<keyId>.<iv>.<ciphertext+tag>` (base64url
 * parts). The brand keeps a sealed string from being mistaken for (or logged as) the content.
 */
export type Sealed<T extends JsonObject> = string & { readonly __sealed?: T };

const VERSION = 'p1';
const ALGORITHM = 'aes-256-gcm';
const TAG_BYTES = 16;
/** The HKDF label: a payload key never equals the token key it is derived from. */
const LABEL = 'igl job payload v1';

export class PayloadDecryptionError extends Error {
  readonly kind = 'permanent';
  constructor(reason: string) {
    super(`job payload could not be decrypted: ${reason}`);
    this.name = 'PayloadDecryptionError';
  }
}

function deriveKey(tokenKeyBase64: string): Buffer {
  const material = Buffer.from(tokenKeyBase64.trim(), 'base64');
  if (material.length !== 32) {
    throw new Error('payload key material must be 32 bytes (base64)');
  }
  return Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), LABEL, 32));
}

function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 8);
}

/**
 * Tolerant reading of TOKEN_ENCRYPTION_PREVIOUS_KEYS: comma-separated base64 keys, each maybe
 * written as `<id>:<key>`; entries that are not 32-byte keys are skipped (the env class of the
 * app validates the variable; here a bad entry must not stop jobs already in flight).
 */
function previousKeys(list: string | undefined): Buffer[] {
  const out: Buffer[] = [];
  for (const entry of (list ?? '').split(',')) {
    const trimmed = entry.trim();
    const encoded = trimmed.includes(':') ? trimmed.slice(trimmed.indexOf(':') + 1) : trimmed;
    if (!encoded) {
      continue;
    }
    try {
      out.push(deriveKey(encoded));
    } catch {
      // not a key: ignored
    }
  }
  return out;
}

/**
 * AES-256-GCM for message content inside job payloads (text, captions, media URLs, whole webhook
 * items), so Redis — its memory, its append-only file, its snapshots — never holds them readable.
 * The key is derived from TOKEN_ENCRYPTION_KEY (HKDF, own label): no new secret to manage.
 * Previous token keys still open jobs sealed before a rotation. The job's identity (queue and job
 * id) is bound as additional data: a payload copied into another job does not open.
 */
const IV_BYTES = 12;

export class PayloadCipher {
  private readonly current: { id: string; key: Buffer };
  private readonly keys = new Map<string, Buffer>();
  /** Random IVs drawn 1,024 at a time: one randomFillSync per call was 3% of the gateway's CPU. */
  private readonly ivPool = Buffer.alloc(IV_BYTES * 1_024);
  private ivNext = this.ivPool.length;

  constructor(tokenKeyBase64: string, previousTokenKeys?: string) {
    const key = deriveKey(tokenKeyBase64);
    this.current = { id: keyIdOf(key), key };
    for (const candidate of [key, ...previousKeys(previousTokenKeys)]) {
      this.keys.set(keyIdOf(candidate), candidate);
    }
  }

  seal<T extends JsonObject>(value: T, context: string): Sealed<T> {
    const iv = this.nextIv();
    const cipher = createCipheriv(ALGORITHM, this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([
      cipher.update(JSON.stringify(value), 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return `${VERSION}.${this.current.id}.${iv.toString('base64url')}.${data.toString('base64url')}`;
  }

  private nextIv(): Buffer {
    if (this.ivNext === this.ivPool.length) {
      randomFillSync(this.ivPool);
      this.ivNext = 0;
    }
    // A copy: the pool is refilled in place, the IV travels in the sealed string.
    const iv = Buffer.from(this.ivPool.subarray(this.ivNext, this.ivNext + IV_BYTES));
    this.ivNext += IV_BYTES;
    return iv;
  }

  open<T extends JsonObject>(sealed: Sealed<T>, context: string): T {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) {
      throw new PayloadDecryptionError('unknown format');
    }
    const [, keyId, iv, body] = parts as [string, string, string, string];
    const key = this.keys.get(keyId);
    if (!key) {
      throw new PayloadDecryptionError(`no key with id ${keyId}`);
    }
    const data = Buffer.from(body, 'base64url');
    if (data.length < TAG_BYTES) {
      throw new PayloadDecryptionError('too short');
    }
    let plain: string;
    try {
      const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(iv, 'base64url'), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      plain = Buffer.concat([
        decipher.update(data.subarray(0, data.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new PayloadDecryptionError('authentication failed');
    }
    try {
      return JSON.parse(plain) as T;
    } catch {
      // JSON.parse quotes the input in its message: never let that reach a job or a log.
      throw new PayloadDecryptionError('not JSON');
    }
  }

  /** The additional data of a job's sealed content: its queue and job id. */
  static context(queue: string, jobId: string | number): string {
    return `${queue}/${jobId}`;
  }
}
