import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, LessThan, Repository } from 'typeorm';
import { MessageLinkEntity } from '../entities/message-link.entity';

export interface InboundLinkKey {
  installationId: string;
  instagramAccountId: string;
  conversationId: string;
  instagramMessageId: string;
}

export interface LiveChatEventRef {
  chatId: string;
  threadId: string | null;
  eventId: string;
}

@Injectable()
export class MessageLinkRepository {
  constructor(
    @InjectRepository(MessageLinkEntity) private readonly rows: Repository<MessageLinkEntity>,
  ) {}

  findByInstagramId(
    installationId: string,
    instagramAccountId: string,
    instagramMessageId: string,
  ): Promise<MessageLinkEntity | null> {
    return this.rows.findOneBy({ installationId, instagramAccountId, instagramMessageId });
  }

  /**
   * Claims an inbound Instagram message before it is sent to LiveChat. Returns the existing row
   * when the message was claimed before (a redelivery, a retry, or a crash after claiming).
   */
  async claimInbound(key: InboundLinkKey): Promise<{ link: MessageLinkEntity; created: boolean }> {
    const result = await this.rows
      .createQueryBuilder()
      .insert()
      .values({ ...key, direction: 'inbound', state: 'pending' })
      .orIgnore()
      .returning(['id', 'created_at'])
      .execute();
    const [inserted] = result.raw as Array<{ id: string; created_at: Date }>;
    if (inserted) {
      // The usual case, a new item: no second round trip to read back what we just wrote.
      const link = Object.assign(new MessageLinkEntity(), {
        ...key,
        id: String(inserted.id),
        createdAt: inserted.created_at,
        direction: 'inbound' as const,
        state: 'pending' as const,
        livechatChatId: null,
        livechatThreadId: null,
        livechatEventId: null,
        part: 0,
      });
      return { link, created: true };
    }
    const created = false;
    const link = await this.rows.findOneByOrFail({
      installationId: key.installationId,
      instagramAccountId: key.instagramAccountId,
      instagramMessageId: key.instagramMessageId,
    });
    return { link, created };
  }

  async completeInbound(installationId: string, id: string, ref: LiveChatEventRef): Promise<void> {
    await this.rows.update(
      { installationId, id },
      {
        state: 'done',
        livechatChatId: ref.chatId,
        livechatThreadId: ref.threadId,
        livechatEventId: ref.eventId,
      },
    );
  }

  /**
   * Claims part `part` of an agent's LiveChat event before it is sent to Instagram; the unique
   * (installation, event, part) index makes a redelivered or retried webhook find the claim.
   */
  async claimOutbound(key: {
    installationId: string;
    instagramAccountId: string;
    conversationId: string;
    livechatChatId: string;
    livechatEventId: string;
    part: number;
  }): Promise<{ link: MessageLinkEntity; created: boolean }> {
    const result = await this.rows
      .createQueryBuilder()
      .insert()
      .values({ ...key, direction: 'outbound', state: 'pending' })
      .orIgnore()
      .returning('id')
      .execute();
    const created = (result.raw as unknown[]).length > 0;
    const link = await this.rows.findOneByOrFail({
      installationId: key.installationId,
      direction: 'outbound',
      livechatEventId: key.livechatEventId,
      part: key.part,
    });
    return { link, created };
  }

  /** Gives a claim back after a send that certainly did not happen (Meta answered an error). */
  async releaseOutbound(installationId: string, id: string): Promise<void> {
    await this.rows.delete({ installationId, id, state: 'pending', direction: 'outbound' });
  }

  /** Instagram message ids already linked for an account (so one echo settles one claim). */
  async linkedMessageIds(
    installationId: string,
    instagramAccountId: string,
    keys: string[],
  ): Promise<Set<string>> {
    if (keys.length === 0) {
      return new Set();
    }
    const rows = await this.rows.find({
      select: { instagramMessageId: true },
      where: { installationId, instagramAccountId, instagramMessageId: In(keys) },
    });
    return new Set(rows.map((r) => r.instagramMessageId ?? ''));
  }

  /** Records the Instagram message id of a sent part (echoes of it are then recognised). */
  async completeOutbound(
    installationId: string,
    id: string,
    instagramMessageKey: string,
  ): Promise<void> {
    await this.rows.update(
      { installationId, id },
      { state: 'done', instagramMessageId: instagramMessageKey },
    );
  }

  async deleteById(installationId: string, id: string): Promise<void> {
    await this.rows.delete({ installationId, id });
  }

  /** Retention: links older than `before`, in bounded batches. Returns how many went. */
  async deleteOlderThan(before: Date, batch = 1000): Promise<number> {
    const ids = await this.rows.find({
      select: { id: true },
      where: { createdAt: LessThan(before) },
      take: batch,
    });
    if (ids.length === 0) {
      return 0;
    }
    await this.rows.delete(ids.map((r) => r.id));
    return ids.length;
  }
}
