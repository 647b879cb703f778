import { quoteIdent, withAdminClient } from '../../scripts/pg-admin.util';
import { TEST_DATABASE_URL } from './services';

export default async function globalTeardown(): Promise<void> {
  const template = process.env.IGL_TEST_TEMPLATE_DB;
  if (template) {
    await withAdminClient(TEST_DATABASE_URL, (c) =>
      c.query(`DROP DATABASE IF EXISTS ${quoteIdent(template)} WITH (FORCE)`),
    );
  }
}
