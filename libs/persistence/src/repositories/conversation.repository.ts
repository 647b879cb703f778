import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityMetadata, Repository } from 'typeorm';
import { ConversationEntity } from '../entities/conversation.entity';
import { InstagramAccountEntity } from '../entities/instagram-account.entity';
import { InstallationEntity } from '../entities/installation.entity';

export type ConversationUpdate = Partial<
  Pick<
    ConversationEntity,
    'livechatCustomerId' | 'chatId' | 'threadId' | 'lastInboundAt' | 'profileSyncedAt'
  >
>;

/** A conversation's columns, for raw SQL that reads one (see `conversationFromRow`). */
export const CONVERSATION_COLUMNS = [
  'id',
  'installation_id',
  'instagram_account_id',
  'igsid',
  'livechat_customer_id',
  'chat_id',
  'thread_id',
  'last_inbound_at',
  'profile_synced_at',
  'created_at',
  'updated_at',
] as const;

export type ConversationRow = Record<(typeof CONVERSATION_COLUMNS)[number], unknown>;

/** A conversation read with raw SQL (a statement that does more than one thing). */
export function conversationFromRow(row: ConversationRow): ConversationEntity {
  return Object.assign(new ConversationEntity(), {
    id: row.id as string,
    installationId: row.installation_id as string,
    instagramAccountId: row.instagram_account_id as string,
    igsid: row.igsid as string,
    livechatCustomerId: row.livechat_customer_id as string | null,
    chatId: row.chat_id as string | null,
    threadId: row.thread_id as string | null,
    lastInboundAt: row.last_inbound_at as Date | null,
    profileSyncedAt: row.profile_synced_at as Date | null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  });
}

const selections = new WeakMap<EntityMetadata, Map<string, Selection>>();

interface Selection {
  select: string;
  hydrate<T extends object>(row: Record<string, unknown>, into: T): T;
}

/**
 * An entity's own columns as a select list under `alias` (each as `alias_column`) and the mapping
 * back onto an entity, built once per entity from its metadata: a raw join reads whole entities.
 */
function columnsOf(metadata: EntityMetadata, alias: string): Selection {
  let byAlias = selections.get(metadata);
  if (!byAlias) {
    byAlias = new Map();
    selections.set(metadata, byAlias);
  }
  const known = byAlias.get(alias);
  if (known) {
    return known;
  }
  const columns = metadata.ownColumns
    .filter((column) => !column.isVirtual && column.propertyName)
    .map((column) => ({
      property: column.propertyName,
      as: `${alias}_${column.databaseName}`,
      db: column.databaseName,
    }));
  const selection: Selection = {
    select: columns.map((column) => `${alias}.${column.db} AS ${column.as}`).join(', '),
    hydrate: (row, into) => {
      const target = into as Record<string, unknown>;
      for (const column of columns) {
        target[column.property] = row[column.as];
      }
      return into;
    },
  };
  byAlias.set(alias, selection);
  return selection;
}

@Injectable()
export class ConversationRepository {
  constructor(
    @InjectRepository(ConversationEntity) private readonly rows: Repository<ConversationEntity>,
  ) {}

  /** Idempotent under concurrency: the unique (account, igsid) index decides, not a read. */
  async findOrCreate(
    installationId: string,
    instagramAccountId: string,
    igsid: string,
  ): Promise<ConversationEntity> {
    // Almost always it exists already: one round trip in the common case.
    const existing = await this.rows.findOneBy({ installationId, instagramAccountId, igsid });
    if (existing) {
      return existing;
    }
    const result = await this.rows
      .createQueryBuilder()
      .insert()
      .values({ installationId, instagramAccountId, igsid })
      .orIgnore()
      .returning(['id', 'created_at', 'updated_at'])
      .execute();
    const [inserted] = result.raw as Array<{ id: string; created_at: Date; updated_at: Date }>;
    if (inserted) {
      // Ours: no round trip to read back what we just wrote.
      return conversationFromRow({
        id: inserted.id,
        installation_id: installationId,
        instagram_account_id: instagramAccountId,
        igsid,
        livechat_customer_id: null,
        chat_id: null,
        thread_id: null,
        last_inbound_at: null,
        profile_synced_at: null,
        created_at: inserted.created_at,
        updated_at: inserted.updated_at,
      });
    }
    // Another worker created it a moment ago.
    return this.rows.findOneByOrFail({ installationId, instagramAccountId, igsid });
  }

  findById(installationId: string, id: string): Promise<ConversationEntity | null> {
    return this.rows.findOneBy({ installationId, id });
  }

  /**
   * A LiveChat webhook's chat → our conversation, its Instagram account and its installation,
   * read together (one round trip, always current: the messaging window, a disconnect or a
   * settings change apply to the very next reply). Null when the organization has no
   * conversation with that chat recorded.
   */
  async findByOrganizationChat(
    organizationId: string,
    chatId: string,
  ): Promise<{
    installation: InstallationEntity;
    conversation: ConversationEntity;
    account: InstagramAccountEntity;
  } | null> {
    // Raw and hydrated by hand: on the relay's per-message path, where the query builder's
    // joined-entity mapping cost more CPU than the statement itself.
    const c = columnsOf(this.rows.manager.connection.getMetadata(ConversationEntity), 'c');
    const a = columnsOf(this.rows.manager.connection.getMetadata(InstagramAccountEntity), 'a');
    const i = columnsOf(this.rows.manager.connection.getMetadata(InstallationEntity), 'i');
    const rows = await this.rows.query<Array<Record<string, unknown>>>(
      `SELECT ${c.select}, ${a.select}, ${i.select}
         FROM conversations c
         JOIN instagram_accounts a ON a.id = c.instagram_account_id
         JOIN installations i ON i.id = a.installation_id
        WHERE i.organization_id = $1::varchar AND c.chat_id = $2::varchar
          AND c.installation_id = i.id
        LIMIT 1`,
      [organizationId, chatId],
    );
    const row = rows[0];
    if (!row) {
      return null;
    }
    // Handed out side by side, as separate reads would: no entity carries another.
    return {
      installation: i.hydrate(row, new InstallationEntity()),
      conversation: c.hydrate(row, new ConversationEntity()),
      account: a.hydrate(row, new InstagramAccountEntity()),
    };
  }

  /**
   * Chats of ours (organization, chat id) whose customer wrote since `since`, of installations
   * still installed, a page at a time after `afterId`: the relay worker records them as ours in
   * Redis at boot (the gateway's filter for chats started before they carried our property).
   */
  async recentChats(
    since: Date,
    afterId: string | null,
    limit: number,
  ): Promise<Array<{ id: string; organizationId: string; chatId: string }>> {
    const rows = await this.rows.query<
      Array<{ id: string; organization_id: string; chat_id: string }>
    >(
      `SELECT c.id, i.organization_id, c.chat_id
         FROM conversations c JOIN installations i ON i.id = c.installation_id
        WHERE c.chat_id IS NOT NULL AND i.status <> 'uninstalled'
          AND c.last_inbound_at >= $1 AND ($2::uuid IS NULL OR c.id > $2::uuid)
        ORDER BY c.id LIMIT $3`,
      [since, afterId, limit],
    );
    return rows.map((r) => ({ id: r.id, organizationId: r.organization_id, chatId: r.chat_id }));
  }

  findByCustomer(
    installationId: string,
    livechatCustomerId: string,
  ): Promise<ConversationEntity | null> {
    return this.rows.findOneBy({ installationId, livechatCustomerId });
  }

  async update(installationId: string, id: string, changes: ConversationUpdate): Promise<void> {
    await this.rows.update({ installationId, id }, changes);
  }
}
