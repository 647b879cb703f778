import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each Instagram account gets its own LiveChat group. Existing accounts take their installation's
 * group; the installation-wide setting is retired (routing is per account from now on).
 */
export class AccountGroups1796323212076 implements MigrationInterface {
  name = 'AccountGroups1796323212076';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts"
            ADD "livechat_group_id" integer NOT NULL DEFAULT '0'
        `);
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts"
            ADD "livechat_group_problem" character varying(256)
        `);
    await queryRunner.query(`
            UPDATE "instagram_accounts" a
            SET "livechat_group_id" = i."livechat_group_id"
            FROM "installations" i
            WHERE i."id" = a."installation_id"
        `);
    await queryRunner.query(`
            ALTER TABLE "installations" DROP COLUMN "livechat_group_id"
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "installations"
            ADD "livechat_group_id" integer NOT NULL DEFAULT '0'
        `);
    // Back to one group per installation: its oldest account's.
    await queryRunner.query(`
            UPDATE "installations" i
            SET "livechat_group_id" = (
                SELECT a."livechat_group_id" FROM "instagram_accounts" a
                WHERE a."installation_id" = i."id"
                ORDER BY a."created_at" ASC LIMIT 1
            )
            WHERE EXISTS (SELECT 1 FROM "instagram_accounts" a WHERE a."installation_id" = i."id")
        `);
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts" DROP COLUMN "livechat_group_problem"
        `);
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts" DROP COLUMN "livechat_group_id"
        `);
  }
}
