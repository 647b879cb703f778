/** DI tokens of the credentials lib. */
export const CREDENTIALS_REDIS = Symbol('CREDENTIALS_REDIS');
export const CREDENTIALS_OPTIONS = Symbol('CREDENTIALS_OPTIONS');

export interface CredentialsOptions {
  redisUrl: string;
  /** REDIS_KEY_PREFIX: locks and token caches live under it. */
  redisPrefix: string;
  /** TOKEN_ENCRYPTION_KEY: echo fingerprints are keyed with a key derived from it. */
  tokenEncryptionKey: string;
}
