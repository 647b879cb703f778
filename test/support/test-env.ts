import { randomBytes } from 'node:crypto';
import { TEST_REDIS_URL } from './services';

/** A valid environment for any of the three apps; tests override what they need. */
export function baseTestEnv(
  overrides: Record<string, string | undefined> = {},
): Record<string, string> {
  const env: Record<string, string | undefined> = {
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: `t${randomBytes(5).toString('hex')}`,
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    PORT: '0',
    PUBLIC_URL: 'http://127.0.0.1:3000',
    META_APP_ID: '1234567890',
    META_APP_SECRET: 'test-meta-app-secret',
    META_VERIFY_TOKEN: 'test-verify-token',
    META_GRAPH_URL: 'http://127.0.0.1:9',
    META_OAUTH_URL: 'http://127.0.0.1:9',
    LIVECHAT_CLIENT_ID: 'test-livechat-client',
    LIVECHAT_CLIENT_SECRET: 'test-livechat-client-secret',
    LIVECHAT_WEBHOOK_SECRET: 'test-livechat-webhook-secret',
    LIVECHAT_APP_WEBHOOK_TOKEN: 'test-livechat-app-webhook-token',
    LIVECHAT_API_URL: 'http://127.0.0.1:9',
    LIVECHAT_ACCOUNTS_URL: 'http://127.0.0.1:9',
    UPSTREAM_TIMEOUT_MS: '2000',
    // The emulators' media: listed by name, so plain http to this loopback host is allowed.
    MEDIA_HOST_ALLOWLIST: '127.0.0.1',
    METRICS_PORT: '-1',
    QUEUE_LOCK_DURATION_MS: '4000',
    // One loopback client makes every request of a test file: the per-IP limits are tested in
    // test/security, with limits of their own.
    RATE_LIMIT_MAX: '100000',
    ...overrides,
  };
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined) {
      clean[key] = value;
    }
  }
  return clean;
}
