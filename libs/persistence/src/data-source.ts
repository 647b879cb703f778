// Entry point of the TypeORM CLI (`npm run migration:*`); the one place besides the apps' config
// modules that reads the environment.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './data-source-options';

const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write('DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)\n');
  process.exit(78);
}

export default new DataSource(buildDataSourceOptions({ url, applicationName: 'migrations' }));
