import { IsPostgresUrl } from '@app/platform';

/** `main.js migrate` needs nothing but the database. */
export class DatabaseOnlyEnv {
  @IsPostgresUrl()
  DATABASE_URL!: string;
}
