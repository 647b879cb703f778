import { MigrationInterface, QueryRunner } from 'typeorm';

export class CleanupLifecycle1795997982219 implements MigrationInterface {
  name = 'CleanupLifecycle1795997982219';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "cleanup_audit" (
                "id" BIGSERIAL NOT NULL,
                "action" character varying(32) NOT NULL,
                "scope" character varying(16) NOT NULL,
                "subject_id" uuid NOT NULL,
                "account_ids" uuid array NOT NULL DEFAULT '{}',
                "reason" character varying(32) NOT NULL,
                "outcome" character varying(32) NOT NULL,
                "steps" jsonb NOT NULL DEFAULT '{}',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_86a46d3c25b32702f8acdd2f4d4" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_cleanup_audit_created_at" ON "cleanup_audit" ("created_at")
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_cleanup_audit_subject" ON "cleanup_audit" ("subject_id")
        `);
    await queryRunner.query(`
            ALTER TABLE "installations"
            ADD "uninstall_confirmed_at" TIMESTAMP WITH TIME ZONE
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_deletion_requests_status_due" ON "deletion_requests" ("status", "due_at")
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_message_links_conversation_id" ON "message_links" ("conversation_id")
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP INDEX "public"."ix_message_links_conversation_id"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_deletion_requests_status_due"
        `);
    await queryRunner.query(`
            ALTER TABLE "installations" DROP COLUMN "uninstall_confirmed_at"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_cleanup_audit_subject"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_cleanup_audit_created_at"
        `);
    await queryRunner.query(`
            DROP TABLE "cleanup_audit"
        `);
  }
}
