import { MigrationInterface, QueryRunner } from 'typeorm';

export class InstagramLogin1796325381407 implements MigrationInterface {
  name = 'InstagramLogin1796325381407';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts"
            ADD "login_path" character varying(16) NOT NULL DEFAULT 'facebook'
        `);
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts"
            ADD "token_expires_at" TIMESTAMP WITH TIME ZONE
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_instagram_accounts_token_expires_at" ON "instagram_accounts" ("token_expires_at")
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP INDEX "public"."ix_instagram_accounts_token_expires_at"
        `);
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts" DROP COLUMN "token_expires_at"
        `);
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts" DROP COLUMN "login_path"
        `);
  }
}
