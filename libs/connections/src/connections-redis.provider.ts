/** DI tokens of the connections lib. */
export const CONNECTIONS_REDIS = Symbol('CONNECTIONS_REDIS');
export const CONNECTIONS_OPTIONS = Symbol('CONNECTIONS_OPTIONS');

export interface ConnectionsOptions {
  redisUrl: string;
  /** REDIS_KEY_PREFIX: locks and token caches live under it. */
  redisPrefix: string;
}
