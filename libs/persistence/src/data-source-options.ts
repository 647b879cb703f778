import { DataSourceOptions } from 'typeorm';
import { ENTITIES, MIGRATIONS } from './schema';

export interface DatabaseConnectionOptions {
  url: string;
  /** Pool size per process. */
  poolSize?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
}

/** One builder for the apps, the CLI and the tests: same entities, same migrations, no sync. */
export function buildDataSourceOptions(options: DatabaseConnectionOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: options.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    migrationsRun: false,
    // gen_random_uuid() is built into PostgreSQL 13+: no extension to install, no superuser needed.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    logging: ['error'],
    applicationName: options.applicationName ?? 'instagram-livechat',
    extra: {
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
      // A query that hangs must not hang a job or a health check forever.
      statement_timeout: 15_000,
    },
  };
}
