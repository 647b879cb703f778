import { MigrationInterface, QueryRunner } from 'typeorm';

export class AccountHealth1796323212166 implements MigrationInterface {
  name = 'AccountHealth1796323212166';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts"
            ADD "health_state" character varying(16)
        `);
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts"
            ADD "health_checked_at" TIMESTAMP WITH TIME ZONE
        `);
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts"
            ADD "health_problem" character varying(256)
        `);
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts"
            ADD "health_problem_at" TIMESTAMP WITH TIME ZONE
        `);
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts"
            ADD "health_repair" character varying(256)
        `);
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts"
            ADD "health_repaired_at" TIMESTAMP WITH TIME ZONE
        `);
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts"
            ADD "health_due_at" TIMESTAMP WITH TIME ZONE
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_instagram_accounts_health_due_at" ON "instagram_accounts" ("health_due_at")
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP INDEX "public"."ix_instagram_accounts_health_due_at"
        `);
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts" DROP COLUMN "health_due_at"
        `);
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts" DROP COLUMN "health_repaired_at"
        `);
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts" DROP COLUMN "health_repair"
        `);
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts" DROP COLUMN "health_problem_at"
        `);
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts" DROP COLUMN "health_problem"
        `);
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts" DROP COLUMN "health_checked_at"
        `);
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts" DROP COLUMN "health_state"
        `);
  }
}
