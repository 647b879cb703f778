import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { buildDataSourceOptions, runMigrations } from '@app/persistence';
import { DataSource } from 'typeorm';
import { databaseUrlFor, quoteIdent, withAdminClient } from '../../scripts/pg-admin.util';

/** Where Postgres is (a maintenance connection creates and drops the run's database). */
export const ADMIN_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Shared by the emulators, the apps and the load generator. */
export const META_APP_ID = '1234567890';
export const META_APP_SECRET = 'bench-meta-app-secret';
export const LIVECHAT_WEBHOOK_SECRET = 'bench-livechat-webhook-secret';

/** A free TCP port on loopback (bound then released). */
export function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RunDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A database of the run's own, migrated: cloned from the jest run's template when there is one,
 * else created and migrated with the app's migrations. Named like the tests' databases
 * (`igl_t_<epoch ms>_…`) so the test setup sweeps it up if a run is killed before dropping it.
 */
export async function createRunDatabase(): Promise<RunDatabase> {
  const name = `igl_t_${Date.now()}_${randomBytes(4).toString('hex')}`;
  const template = process.env.IGL_TEST_TEMPLATE_DB;
  await withAdminClient(ADMIN_DATABASE_URL, (c) =>
    c.query(
      template
        ? `CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`
        : `CREATE DATABASE ${quoteIdent(name)}`,
    ),
  );
  const url = databaseUrlFor(ADMIN_DATABASE_URL, name);
  const drop = (): Promise<void> =>
    withAdminClient(ADMIN_DATABASE_URL, (c) =>
      c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
    ).then(() => undefined);
  if (!template) {
    try {
      await runMigrations(url);
    } catch (error) {
      await drop().catch(() => undefined);
      throw error;
    }
  }
  return { name, url, drop };
}

/** Runs SQL on the run's database (assertions, diagnostics). */
export async function withDatabase<T>(url: string, fn: (ds: DataSource) => Promise<T>): Promise<T> {
  const ds = new DataSource(buildDataSourceOptions({ url, applicationName: 'bench' }));
  await ds.initialize();
  try {
    return await fn(ds);
  } finally {
    await ds.destroy();
  }
}

export interface AppEnvInput {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  tokenEncryptionKey: string;
  metaUrl: string;
  livechatUrl: string;
  livechatClientId: string;
  livechatClientSecret: string;
  publicUrl?: string;
}

/** A valid environment for the gateway and the relay worker (docs/configuration.md). */
export function appEnv(
  input: AppEnvInput,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    DATABASE_URL: input.databaseUrl,
    REDIS_URL: input.redisUrl,
    REDIS_KEY_PREFIX: input.redisPrefix,
    TOKEN_ENCRYPTION_KEY: input.tokenEncryptionKey,
    PORT: '0',
    PUBLIC_URL: input.publicUrl ?? 'http://127.0.0.1:3000',
    META_APP_ID,
    META_APP_SECRET,
    META_VERIFY_TOKEN: 'bench-verify-token',
    META_GRAPH_URL: input.metaUrl,
    META_OAUTH_URL: input.metaUrl,
    // The emulator's media host, listed by name: plain http to loopback is allowed for it.
    MEDIA_HOST_ALLOWLIST: new URL(input.metaUrl).hostname,
    LIVECHAT_CLIENT_ID: input.livechatClientId,
    LIVECHAT_CLIENT_SECRET: input.livechatClientSecret,
    LIVECHAT_WEBHOOK_SECRET,
    LIVECHAT_APP_WEBHOOK_TOKEN: 'bench-livechat-app-webhook-token',
    LIVECHAT_API_URL: input.livechatUrl,
    LIVECHAT_ACCOUNTS_URL: input.livechatUrl,
    UPSTREAM_TIMEOUT_MS: '5000',
    METRICS_PORT: '-1',
    ...overrides,
  };
}

export function newEncryptionKey(): string {
  return randomBytes(32).toString('base64');
}

export function newPrefix(tag: string): string {
  return `${tag}${randomBytes(4).toString('hex')}`;
}
