import { registerDecorator, ValidationOptions } from 'class-validator';
import { parseHostAllowlist } from './host-allowlist';

/**
 * A class-validator decorator for a string setting: `isValid` decides, `message` says what the
 * variable must be (it is prefixed with the variable's name; never the value).
 */
export function stringRule(
  name: string,
  mustBe: string,
  isValid: (value: string) => boolean,
  options?: ValidationOptions,
): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must be ${mustBe}`, ...options },
      validator: {
        validate(value: unknown): boolean {
          return typeof value === 'string' && isValid(value);
        },
      },
    });
  };
}

/** A base64 string that decodes to exactly 32 bytes (an AES-256 key). */
export function IsBase64Key32(options?: ValidationOptions): PropertyDecorator {
  return stringRule(
    'isBase64Key32',
    '32 bytes, base64',
    (value) => /^[A-Za-z0-9+/]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length === 32,
    options,
  );
}

/**
 * A comma-separated list of base64 32-byte keys (previous encryption keys, for rotation). A
 * `label:` before a key is tolerated (an earlier documented form); the label is ignored, since a
 * ciphertext names its key by the key's own fingerprint.
 */
export function IsKeyList(options?: ValidationOptions): PropertyDecorator {
  return stringRule(
    'isKeyList',
    'base64 32-byte keys, comma-separated',
    (value) => parseKeyList(value) !== null,
    options,
  );
}

/** The keys of a key list (see IsKeyList), or null when an entry is malformed. */
export function parseKeyList(value: string): string[] | null {
  const keys: string[] = [];
  for (const entry of value.split(',')) {
    const trimmed = entry.trim();
    const colon = trimmed.indexOf(':');
    const label = colon >= 0 ? trimmed.slice(0, colon) : null;
    const key = colon >= 0 ? trimmed.slice(colon + 1) : trimmed;
    if (label !== null && !/^[A-Za-z0-9_-]{1,16}$/.test(label)) {
      return null;
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key) || Buffer.from(key, 'base64').length !== 32) {
      return null;
    }
    keys.push(key);
  }
  return keys;
}

/** Comma-separated hostnames, IP addresses or `*.suffix` entries (see parseHostAllowlist). */
export function IsHostAllowlist(options?: ValidationOptions): PropertyDecorator {
  return stringRule(
    'isHostAllowlist',
    'hostnames or *.suffix entries, comma-separated',
    (value) => parseHostAllowlist(value) !== null,
    options,
  );
}

/** A postgres:// or postgresql:// URL. */
export function IsPostgresUrl(options?: ValidationOptions): PropertyDecorator {
  return urlWithProtocols('isPostgresUrl', ['postgres:', 'postgresql:'], options);
}

/** A redis:// or rediss:// URL. */
export function IsRedisUrl(options?: ValidationOptions): PropertyDecorator {
  return urlWithProtocols('isRedisUrl', ['redis:', 'rediss:'], options);
}

/** An http(s) URL; localhost and IPs allowed (tests point the apps at local emulators). */
export function IsHttpUrl(options?: ValidationOptions): PropertyDecorator {
  return urlWithProtocols('isHttpUrl', ['http:', 'https:'], options);
}

function urlWithProtocols(
  name: string,
  protocols: string[],
  options?: ValidationOptions,
): PropertyDecorator {
  return stringRule(
    name,
    `a ${protocols.join(' or ')} URL`,
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    options,
  );
}
