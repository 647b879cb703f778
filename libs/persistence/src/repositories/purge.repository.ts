import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** Ids an installation's (or some accounts') data is known by outside Postgres (Redis keys, jobs). */
export interface PurgeFootprint {
  installationId: string;
  organizationId: string | null;
  /** Our instagram_accounts row ids. */
  accountIds: string[];
  /** Instagram's ids of those accounts (webhook routing, order keys, job ids). */
  instagramAccountIds: string[];
  conversationIds: string[];
  livechatCustomerIds: string[];
  livechatChatIds: string[];
}

export interface PurgeCounts {
  installations: number;
  accounts: number;
  conversations: number;
  links: number;
  deletionRequests: number;
}

/** Rows of the result of `DELETE … RETURNING 1`, whatever the driver wraps them in. */
function deleted(result: unknown): number {
  if (Array.isArray(result)) {
    const [rows, count] = result as [unknown, unknown];
    if (typeof count === 'number') {
      return count;
    }
    return Array.isArray(rows) ? rows.length : result.length;
  }
  return 0;
}

/**
 * The destructive side of cleanup: purges of an installation or of some of its accounts, and the
 * retention deletes. Each purge is one transaction that re-checks, under a row lock, that the
 * installation is still uninstalled (or the accounts still disconnected): a reinstall or a
 * reconnect that lands first wins, and nothing is deleted.
 */
@Injectable()
export class PurgeRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** What must also be removed from Redis for this installation (or these accounts). */
  async footprint(installationId: string, accountIds?: readonly string[]): Promise<PurgeFootprint> {
    const m = this.dataSource.manager;
    const installation = await m.query<Array<{ organization_id: string }>>(
      `SELECT organization_id FROM installations WHERE id = $1`,
      [installationId],
    );
    const accounts = await m.query<Array<{ id: string; instagram_account_id: string }>>(
      accountIds
        ? `SELECT id, instagram_account_id FROM instagram_accounts WHERE installation_id = $1 AND id = ANY($2::uuid[])`
        : `SELECT id, instagram_account_id FROM instagram_accounts WHERE installation_id = $1`,
      accountIds ? [installationId, [...accountIds]] : [installationId],
    );
    const ids = accounts.map((a) => a.id);
    const conversations = await m.query<
      Array<{ id: string; livechat_customer_id: string | null; chat_id: string | null }>
    >(
      `SELECT id, livechat_customer_id, chat_id FROM conversations
        WHERE installation_id = $1 AND instagram_account_id = ANY($2::uuid[])`,
      [installationId, ids],
    );
    return {
      installationId,
      organizationId: installation[0]?.organization_id ?? null,
      accountIds: ids,
      instagramAccountIds: accounts.map((a) => a.instagram_account_id),
      conversationIds: conversations.map((c) => c.id),
      livechatCustomerIds: conversations
        .map((c) => c.livechat_customer_id)
        .filter((v): v is string => !!v),
      livechatChatIds: conversations.map((c) => c.chat_id).filter((v): v is string => !!v),
    };
  }

  /**
   * Deletes the installation and everything stored about it, if it is still uninstalled (and
   * its uninstall confirmed). Returns null when it was reinstalled meanwhile (nothing deleted).
   */
  async purgeInstallation(installationId: string): Promise<PurgeCounts | null> {
    return this.dataSource.transaction(async (m) => {
      const locked = await m.query<unknown[]>(
        `SELECT id FROM installations
          WHERE id = $1 AND status = 'uninstalled' AND uninstall_confirmed_at IS NOT NULL
          FOR UPDATE`,
        [installationId],
      );
      if (locked.length === 0) {
        return null;
      }
      const accountIds = (
        await m.query<Array<{ id: string }>>(
          `SELECT id FROM instagram_accounts WHERE installation_id = $1 FOR UPDATE`,
          [installationId],
        )
      ).map((r) => r.id);
      const counts = await this.deleteAccountData(m, installationId, accountIds);
      counts.installations = deleted(
        await m.query(`DELETE FROM installations WHERE id = $1 RETURNING 1`, [installationId]),
      );
      return counts;
    });
  }

  /**
   * Deletes some accounts of an installation and everything stored about them, if they are
   * still disconnected. Returns the counts (zero accounts when all were reconnected).
   */
  async purgeAccounts(
    installationId: string,
    accountIds: readonly string[],
  ): Promise<{ counts: PurgeCounts; purgedIds: string[] }> {
    return this.dataSource.transaction(async (m) => {
      const purgedIds = (
        await m.query<Array<{ id: string }>>(
          `SELECT id FROM instagram_accounts
            WHERE installation_id = $1 AND id = ANY($2::uuid[]) AND status = 'disconnected'
            FOR UPDATE`,
          [installationId, [...accountIds]],
        )
      ).map((r) => r.id);
      const counts = await this.deleteAccountData(m, installationId, purgedIds);
      return { counts, purgedIds };
    });
  }

  private async deleteAccountData(
    m: EntityManager,
    installationId: string,
    accountIds: string[],
  ): Promise<PurgeCounts> {
    const counts: PurgeCounts = {
      installations: 0,
      accounts: 0,
      conversations: 0,
      links: 0,
      deletionRequests: 0,
    };
    if (accountIds.length === 0) {
      return counts;
    }
    counts.deletionRequests = deleted(
      await m.query(
        `DELETE FROM deletion_requests WHERE instagram_account_id = ANY($1::uuid[]) RETURNING 1`,
        [accountIds],
      ),
    );
    counts.links = deleted(
      await m.query(
        `DELETE FROM message_links
          WHERE installation_id = $1 AND instagram_account_id = ANY($2::uuid[]) RETURNING 1`,
        [installationId, accountIds],
      ),
    );
    counts.conversations = deleted(
      await m.query(
        `DELETE FROM conversations
          WHERE installation_id = $1 AND instagram_account_id = ANY($2::uuid[]) RETURNING 1`,
        [installationId, accountIds],
      ),
    );
    counts.accounts = deleted(
      await m.query(
        `DELETE FROM instagram_accounts
          WHERE installation_id = $1 AND id = ANY($2::uuid[]) RETURNING 1`,
        [installationId, accountIds],
      ),
    );
    return counts;
  }

  // ------------------------------------------------------------------ retention

  /**
   * Message links created before `before`, in a bounded batch; links of a message whose delete is
   * still pending stay until it is applied. Returns how many went.
   */
  async deleteLinksOlderThan(before: Date, batch = 1_000): Promise<number> {
    return deleted(
      await this.dataSource.query(
        `DELETE FROM message_links WHERE id IN (
           SELECT l.id FROM message_links l
            WHERE l.created_at < $1
              AND NOT EXISTS (
                SELECT 1 FROM deletion_requests r
                 WHERE r.instagram_account_id = l.instagram_account_id
                   AND r.instagram_message_id = l.instagram_message_id
                   AND r.status = 'pending')
            LIMIT $2)
         RETURNING 1`,
        [before, batch],
      ),
    );
  }

  /**
   * Conversations idle since `before` (no message in or out, no state change) with no message
   * link left, in a bounded batch. Their Instagram user, if they write again, starts afresh.
   */
  async deleteIdleConversations(before: Date, batch = 1_000): Promise<number> {
    return deleted(
      await this.dataSource.query(
        `DELETE FROM conversations WHERE id IN (
           SELECT c.id FROM conversations c
            WHERE c.updated_at < $1
              AND COALESCE(c.last_inbound_at, c.created_at) < $1
              AND NOT EXISTS (SELECT 1 FROM message_links l WHERE l.conversation_id = c.id)
            LIMIT $2)
         RETURNING 1`,
        [before, batch],
      ),
    );
  }
}
