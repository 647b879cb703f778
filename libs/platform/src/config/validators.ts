import { registerDecorator, ValidationOptions } from 'class-validator';

/** A base64 string that decodes to exactly 32 bytes (an AES-256 key). */
export function IsBase64Key32(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isBase64Key32',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must be 32 bytes, base64`, ...options },
      validator: {
        validate(value: unknown): boolean {
          return (
            typeof value === 'string' &&
            /^[A-Za-z0-9+/]+={0,2}$/.test(value) &&
            Buffer.from(value, 'base64').length === 32
          );
        },
      },
    });
  };
}

/** A comma-separated list of `keyId:base64key` pairs (previous encryption keys, for rotation). */
export function IsKeyList(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isKeyList',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: `${String(propertyName)} must be id:base64key[,id:base64key…]`,
        ...options,
      },
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'string') {
            return false;
          }
          return value.split(',').every((pair) => {
            const [id, key] = pair.trim().split(':');
            return (
              /^[A-Za-z0-9_-]{1,16}$/.test(id ?? '') &&
              typeof key === 'string' &&
              Buffer.from(key, 'base64').length === 32
            );
          });
        },
      },
    });
  };
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
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: `${String(propertyName)} must be a ${protocols.join(' or ')} URL`,
        ...options,
      },
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'string') {
            return false;
          }
          try {
            return protocols.includes(new URL(value).protocol);
          } catch {
            return false;
          }
        },
      },
    });
  };
}
