import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../libs/persistence/src/data-source-options';
import { databaseUrlFor, quoteIdent, withAdminClient } from '../../scripts/pg-admin.util';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './services';

const STALE_AFTER_MS = 6 * 3_600_000;

async function postgresAnswers(): Promise<boolean> {
  const client = new Client({
    connectionString: TEST_DATABASE_URL,
    connectionTimeoutMillis: 1_500,
  });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisAnswers(): Promise<boolean> {
  const redis = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 1_500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

function dockerEngineAvailable(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

/**
 * Makes sure Postgres and Redis answer: starts them with docker compose when a Docker engine is
 * there, or stops the run at once saying what to run. Then prepares a migrated template database
 * that every test file clones (CREATE DATABASE … TEMPLATE is fast).
 */
export default async function globalSetup(): Promise<void> {
  let [pg, redis] = await Promise.all([postgresAnswers(), redisAnswers()]);
  if ((!pg || !redis) && dockerEngineAvailable()) {
    process.stdout.write(
      '\nStarting Postgres and Redis: docker compose --profile test up -d test-postgres test-redis\n',
    );
    execFileSync(
      'docker',
      ['compose', '--profile', 'test', 'up', '-d', 'test-postgres', 'test-redis'],
      { stdio: 'inherit' },
    );
    [pg, redis] = await Promise.all([
      waitFor(postgresAnswers, 60_000),
      waitFor(redisAnswers, 60_000),
    ]);
  }
  if (!pg || !redis) {
    const missing = [
      !pg && `PostgreSQL at ${TEST_DATABASE_URL}`,
      !redis && `Redis at ${TEST_REDIS_URL}`,
    ]
      .filter(Boolean)
      .join(' and ');
    throw new Error(
      `\n\nThe tests need ${missing}, and it does not answer.\n` +
        `  With Docker:    docker compose --profile test up -d test-postgres test-redis   (then npm test again)\n` +
        `  Without Docker: start PostgreSQL (trust auth, user postgres, database test) and Redis on their default ports,\n` +
        `                  or point TEST_DATABASE_URL / TEST_REDIS_URL at yours.\n`,
    );
  }

  const template = `igl_tmpl_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await withAdminClient(TEST_DATABASE_URL, async (client) => {
    // Databases left by a run that was killed: named igl_(t|tmpl)_<epoch ms>_…
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname ~ '^igl_(t|tmpl|migrations)_[0-9]+_'`,
    );
    for (const { datname } of rows) {
      const born = Number(datname.split('_')[2]);
      if (Date.now() - born > STALE_AFTER_MS) {
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
      }
    }
    await client.query(`CREATE DATABASE ${quoteIdent(template)}`);
  });
  const dataSource = new DataSource(
    buildDataSourceOptions({
      url: databaseUrlFor(TEST_DATABASE_URL, template),
      applicationName: 'test-setup',
    }),
  );
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'all' });
  await dataSource.destroy();
  process.env.IGL_TEST_TEMPLATE_DB = template;
}
