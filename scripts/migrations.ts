// `npm run migration:check` / `npm run migration:generate -- <Name>`: both work on a scratch
// database made from DATABASE_URL's server, so they never touch real data.
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../libs/persistence/src/data-source-options';
import { databaseUrlFor, quoteIdent, withAdminClient } from './pg-admin.util';

const baseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function withScratchDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `igl_migrations_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await withAdminClient(baseUrl, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  try {
    return await fn(databaseUrlFor(baseUrl, name));
  } finally {
    await withAdminClient(baseUrl, (c) =>
      c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
    );
  }
}

async function migrate(url: string): Promise<DataSource> {
  const dataSource = new DataSource(
    buildDataSourceOptions({ url, applicationName: 'migration-check' }),
  );
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
}

async function check(): Promise<number> {
  return withScratchDatabase(async (url) => {
    const dataSource = await migrate(url);
    try {
      const pending = await dataSource.driver.createSchemaBuilder().log();
      if (pending.upQueries.length > 0) {
        process.stderr.write('Entities and migrations disagree. Missing from the migrations:\n');
        for (const q of pending.upQueries) {
          process.stderr.write(`  ${q.query}\n`);
        }
        process.stderr.write(
          'Run `npm run migration:generate -- <Name>` and add the class to migrations.ts.\n',
        );
        return 1;
      }
      // Down migrations must undo everything, so a rollback is possible.
      for (let i = 0; i < dataSource.migrations.length; i += 1) {
        await dataSource.undoLastMigration({ transaction: 'each' });
      }
      const tables = await dataSource.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migrations'`,
      );
      if ((tables as unknown[]).length > 0) {
        process.stderr.write(`Down migrations left tables behind: ${JSON.stringify(tables)}\n`);
        return 1;
      }
      process.stdout.write(
        `migration:check: ${dataSource.migrations.length} migration(s) match the entities; all revert cleanly.\n`,
      );
      return 0;
    } finally {
      await dataSource.destroy();
    }
  });
}

async function generate(name: string): Promise<number> {
  if (!/^[A-Z][A-Za-z0-9]+$/.test(name)) {
    process.stderr.write('usage: npm run migration:generate -- <PascalCaseName>\n');
    return 2;
  }
  return withScratchDatabase(async (url) => {
    const dataSource = await migrate(url);
    await dataSource.destroy();
    execFileSync(
      'npx',
      [
        'typeorm-ts-node-commonjs',
        'migration:generate',
        `libs/persistence/src/migrations/${name}`,
        '-d',
        'libs/persistence/src/data-source.ts',
        '-p',
      ],
      { stdio: 'inherit', env: { ...process.env, DATABASE_URL: url } },
    );
    process.stdout.write(
      'Now add the new class to libs/persistence/src/migrations/migrations.ts.\n',
    );
    return 0;
  });
}

const [mode, name] = process.argv.slice(2);
(mode === 'check' ? check() : mode === 'generate' ? generate(name ?? '') : Promise.resolve(2))
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
