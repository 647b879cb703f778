import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ConversationEntity } from '../entities/conversation.entity';

export type ConversationUpdate = Partial<
  Pick<
    ConversationEntity,
    'livechatCustomerId' | 'chatId' | 'threadId' | 'lastInboundAt' | 'profileSyncedAt'
  >
>;

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
    await this.rows
      .createQueryBuilder()
      .insert()
      .values({ installationId, instagramAccountId, igsid })
      .orIgnore()
      .execute();
    return this.rows.findOneByOrFail({ installationId, instagramAccountId, igsid });
  }

  findById(installationId: string, id: string): Promise<ConversationEntity | null> {
    return this.rows.findOneBy({ installationId, id });
  }

  findByChat(installationId: string, chatId: string): Promise<ConversationEntity | null> {
    return this.rows.findOneBy({ installationId, chatId });
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

  /** Moves last_inbound_at forward only: a late, older message must not shrink the window. */
  async recordInbound(installationId: string, id: string, at: Date): Promise<void> {
    await this.rows
      .createQueryBuilder()
      .update()
      .set({ lastInboundAt: at })
      .where('installation_id = :installationId AND id = :id', { installationId, id })
      .andWhere('(last_inbound_at IS NULL OR last_inbound_at < :at)', { at })
      .execute();
  }
}
