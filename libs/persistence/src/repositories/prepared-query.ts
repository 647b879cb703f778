import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * Runs one of the relay's per-message statements as a named prepared statement on the pool
 * behind TypeORM: Postgres parses and plans it once per connection instead of on every call, and
 * the call skips TypeORM's query runner. Only for statements outside any transaction; `name`
 * must always come with the same `text`.
 */
export async function preparedQuery<R>(
  dataSource: DataSource,
  name: string,
  text: string,
  values: unknown[],
): Promise<R[]> {
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  const result = await pool.query({ name, text, values });
  return result.rows as R[];
}
