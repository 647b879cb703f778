import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1795995504370 implements MigrationInterface {
  name = 'InitialSchema1795995504370';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "installations" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "organization_id" character varying(64) NOT NULL,
                "license_id" bigint,
                "account_id" character varying(64),
                "access_token_enc" text,
                "refresh_token_enc" text,
                "access_token_expires_at" TIMESTAMP WITH TIME ZONE,
                "scopes" text NOT NULL DEFAULT '',
                "status" character varying(16) NOT NULL DEFAULT 'active',
                "livechat_group_id" integer NOT NULL DEFAULT '0',
                "human_agent_enabled" boolean NOT NULL DEFAULT false,
                "uninstalled_at" TIMESTAMP WITH TIME ZONE,
                "purge_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_21c7fb94d81eca7a66e64bd2b7f" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_installations_organization_id" ON "installations" ("organization_id")
        `);
    await queryRunner.query(`
            CREATE TABLE "instagram_accounts" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "installation_id" uuid NOT NULL,
                "page_id" character varying(64) NOT NULL,
                "instagram_account_id" character varying(64) NOT NULL,
                "username" character varying(128),
                "name" character varying(256),
                "page_name" character varying(256),
                "avatar_url" text,
                "page_token_enc" text,
                "connected_by_user_id" character varying(64),
                "status" character varying(16) NOT NULL DEFAULT 'active',
                "status_reason" character varying(256),
                "last_relayed_at" TIMESTAMP WITH TIME ZONE,
                "purge_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_68884488e846a634585d594d511" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_instagram_accounts_installation_id" ON "instagram_accounts" ("installation_id")
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_instagram_accounts_instagram_account_id" ON "instagram_accounts" ("instagram_account_id")
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_instagram_accounts_connected_by" ON "instagram_accounts" ("connected_by_user_id")
        `);
    await queryRunner.query(`
            CREATE TABLE "conversations" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "installation_id" uuid NOT NULL,
                "instagram_account_id" uuid NOT NULL,
                "igsid" character varying(64) NOT NULL,
                "livechat_customer_id" character varying(64),
                "chat_id" character varying(64),
                "thread_id" character varying(64),
                "last_inbound_at" TIMESTAMP WITH TIME ZONE,
                "profile_synced_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_ee34f4f7ced4ec8681f26bf04ef" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_conversations_customer" ON "conversations" ("livechat_customer_id")
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_conversations_installation_chat" ON "conversations" ("installation_id", "chat_id")
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_conversations_account_igsid" ON "conversations" ("instagram_account_id", "igsid")
        `);
    await queryRunner.query(`
            CREATE TABLE "deletion_requests" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "kind" character varying(24) NOT NULL,
                "status" character varying(8) NOT NULL DEFAULT 'pending',
                "confirmation_code" character varying(32) NOT NULL,
                "instagram_account_id" uuid,
                "instagram_message_id" character varying(256),
                "facebook_user_id" character varying(64),
                "due_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "completed_at" TIMESTAMP WITH TIME ZONE,
                "detail" character varying(256),
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_f8ee986c713abeb93129e4bab0b" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_deletion_requests_confirmation_code" ON "deletion_requests" ("confirmation_code")
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_deletion_requests_account_mid" ON "deletion_requests" ("instagram_account_id", "instagram_message_id")
            WHERE "instagram_message_id" IS NOT NULL
        `);
    await queryRunner.query(`
            CREATE TABLE "message_links" (
                "id" BIGSERIAL NOT NULL,
                "installation_id" uuid NOT NULL,
                "instagram_account_id" uuid NOT NULL,
                "conversation_id" uuid NOT NULL,
                "direction" character varying(8) NOT NULL,
                "state" character varying(8) NOT NULL DEFAULT 'done',
                "instagram_message_id" character varying(256),
                "livechat_chat_id" character varying(64),
                "livechat_thread_id" character varying(64),
                "livechat_event_id" character varying(128),
                "part" smallint NOT NULL DEFAULT '0',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_ce288105fcd9ade6b4bf0da28d8" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_message_links_created_at" ON "message_links" ("created_at")
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_message_links_outbound_event" ON "message_links" ("installation_id", "livechat_event_id", "part")
            WHERE "direction" = 'outbound'
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_message_links_account_mid" ON "message_links" ("instagram_account_id", "instagram_message_id")
            WHERE "instagram_message_id" IS NOT NULL
        `);
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts"
            ADD CONSTRAINT "FK_b458055439665802baf29b938c8" FOREIGN KEY ("installation_id") REFERENCES "installations"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "conversations"
            ADD CONSTRAINT "FK_4f8fabb82d8590c4019bac81d13" FOREIGN KEY ("instagram_account_id") REFERENCES "instagram_accounts"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "message_links"
            ADD CONSTRAINT "FK_9c9e855ccf39608832284143c26" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "message_links" DROP CONSTRAINT "FK_9c9e855ccf39608832284143c26"
        `);
    await queryRunner.query(`
            ALTER TABLE "conversations" DROP CONSTRAINT "FK_4f8fabb82d8590c4019bac81d13"
        `);
    await queryRunner.query(`
            ALTER TABLE "instagram_accounts" DROP CONSTRAINT "FK_b458055439665802baf29b938c8"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."uq_message_links_account_mid"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."uq_message_links_outbound_event"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_message_links_created_at"
        `);
    await queryRunner.query(`
            DROP TABLE "message_links"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."uq_deletion_requests_account_mid"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."uq_deletion_requests_confirmation_code"
        `);
    await queryRunner.query(`
            DROP TABLE "deletion_requests"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."uq_conversations_account_igsid"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_conversations_installation_chat"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_conversations_customer"
        `);
    await queryRunner.query(`
            DROP TABLE "conversations"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_instagram_accounts_connected_by"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."uq_instagram_accounts_instagram_account_id"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_instagram_accounts_installation_id"
        `);
    await queryRunner.query(`
            DROP TABLE "instagram_accounts"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."uq_installations_organization_id"
        `);
    await queryRunner.query(`
            DROP TABLE "installations"
        `);
  }
}
