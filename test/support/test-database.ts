import { randomBytes } from 'node:crypto';
import { databaseUrlFor, quoteIdent, withAdminClient } from '../../scripts/pg-admin.util';
import { TEST_DATABASE_URL } from './services';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A database of this test file's own, migrated (cloned from the run's template). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = process.env.IGL_TEST_TEMPLATE_DB;
  if (!template) {
    throw new Error('IGL_TEST_TEMPLATE_DB is not set: run the tests through jest (global setup).');
  }
  const name = `igl_t_${Date.now()}_${randomBytes(4).toString('hex')}`;
  await withAdminClient(TEST_DATABASE_URL, (c) =>
    c.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`),
  );
  return {
    name,
    url: databaseUrlFor(TEST_DATABASE_URL, name),
    drop: () =>
      withAdminClient(TEST_DATABASE_URL, (c) =>
        c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
      ).then(() => undefined),
  };
}
