import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { In, LessThan, Repository } from 'typeorm';
import { DeletionRequestEntity } from '../entities/deletion-request.entity';
import { preparedQuery } from './prepared-query';

/** Upper-case letters and digits without look-alikes (0/O, 1/I): read aloud, typed by hand. */
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A random alphanumeric confirmation code (Meta wants one per data-deletion request). */
export function newConfirmationCode(length = 20): string {
  const bytes = randomBytes(length);
  let code = '';
  for (const byte of bytes) {
    code += CODE_ALPHABET[byte % CODE_ALPHABET.length];
  }
  return code;
}

/** A relayed message as LiveChat knows it, with its conversation (message deletes). */
export interface LinkedMessage {
  linkId: string;
  state: string;
  direction: string;
  chatId: string | null;
  threadId: string | null;
  eventId: string | null;
  conversationId: string;
  igsid: string;
  livechatCustomerId: string | null;
}

export interface MessageDeleteRequest {
  /** Our instagram_accounts row id. */
  instagramAccountId: string;
  /** The message's item key (`m:<mid>`), as in message_links. */
  itemKey: string;
  dueAt: Date;
}

/**
 * Deletion promises: an Instagram message its author unsent (applied to LiveChat within 30 days,
 * even when the delete arrives before the message) and Meta data-deletion requests.
 */
@Injectable()
export class DeletionRequestRepository {
  constructor(
    @InjectRepository(DeletionRequestEntity)
    private readonly rows: Repository<DeletionRequestEntity>,
  ) {}

  /**
   * Records the promise to delete a message (idempotent: a redelivered delete finds the first
   * record, whatever its status). Returns the record.
   */
  async requestMessageDelete(request: MessageDeleteRequest): Promise<DeletionRequestEntity> {
    await this.rows
      .createQueryBuilder()
      .insert()
      .values({
        kind: 'instagram_message',
        status: 'pending',
        confirmationCode: newConfirmationCode(),
        instagramAccountId: request.instagramAccountId,
        instagramMessageId: request.itemKey,
        dueAt: request.dueAt,
      })
      .orIgnore()
      .execute();
    return this.rows.findOneByOrFail({
      instagramAccountId: request.instagramAccountId,
      instagramMessageId: request.itemKey,
    });
  }

  findMessageDelete(
    instagramAccountId: string,
    itemKey: string,
  ): Promise<DeletionRequestEntity | null> {
    return this.rows.findOneBy({ instagramAccountId, instagramMessageId: itemKey });
  }

  /**
   * Of these relayed items, the indexes (into `items`) of those their author deleted: a delete
   * that arrived before the message, or one already applied (a redelivered message must not come
   * back to LiveChat). Asked for every batch of relayed items, in one prepared statement.
   */
  async messageDeletesRequested(
    items: ReadonlyArray<{ instagramAccountId: string; itemKey: string }>,
  ): Promise<Set<number>> {
    if (items.length === 0) {
      return new Set();
    }
    const rows = await preparedQuery<{ i: number }>(
      this.rows.manager.connection,
      'message_deletes_requested',
      `SELECT v.i FROM unnest($1::uuid[], $2::varchar[]) WITH ORDINALITY AS v(account_id, mid, i)
        WHERE EXISTS (
          SELECT 1 FROM deletion_requests d
           WHERE d.instagram_account_id = v.account_id AND d.instagram_message_id = v.mid
             AND d.kind = 'instagram_message' AND d.status IN ('pending', 'done'))`,
      [items.map((i) => i.instagramAccountId), items.map((i) => i.itemKey)],
    );
    return new Set(rows.map((row) => Number(row.i) - 1));
  }

  /** Pending message deletes, earliest promise first, after `after` (keyset paging). */
  listPendingMessageDeletes(
    after: { dueAt: Date; id: string } | null,
    limit: number,
  ): Promise<DeletionRequestEntity[]> {
    const query = this.rows
      .createQueryBuilder('r')
      .where(`r.kind = 'instagram_message' AND r.status = 'pending'`)
      .orderBy('r.due_at', 'ASC')
      .addOrderBy('r.id', 'ASC')
      .limit(limit);
    if (after) {
      query.andWhere('(r.due_at, r.id) > (:dueAt, :id)', { dueAt: after.dueAt, id: after.id });
    }
    return query.getMany();
  }

  async createDataDeletion(facebookUserId: string, dueAt: Date): Promise<DeletionRequestEntity> {
    return this.rows.save(
      this.rows.create({
        kind: 'meta_data_deletion',
        status: 'pending',
        confirmationCode: newConfirmationCode(),
        facebookUserId,
        dueAt,
        detail: 'Received; deletion in progress.',
      }),
    );
  }

  /** A Meta data-deletion request by its confirmation code (the status page). */
  findDataDeletionByCode(code: string): Promise<DeletionRequestEntity | null> {
    return this.rows.findOneBy({ kind: 'meta_data_deletion', confirmationCode: code });
  }

  findById(id: string): Promise<DeletionRequestEntity | null> {
    return this.rows.findOneBy({ id });
  }

  /** Data-deletion requests still pending that were received before `before` (sweep). */
  listPendingDataDeletions(before: Date, limit: number): Promise<DeletionRequestEntity[]> {
    return this.rows.find({
      where: { kind: 'meta_data_deletion', status: 'pending', createdAt: LessThan(before) },
      order: { createdAt: 'ASC' },
      take: limit,
    });
  }

  /** Finished: the Facebook user id is not needed any more and is not kept. */
  async markDone(id: string, detail: string): Promise<void> {
    await this.rows.update(
      { id },
      { status: 'done', completedAt: new Date(), detail, facebookUserId: null },
    );
  }

  async markFailed(id: string, detail: string): Promise<void> {
    await this.rows.update(
      { id },
      { status: 'failed', completedAt: new Date(), detail, facebookUserId: null },
    );
  }

  /** Retention: finished requests completed before `before`. Returns how many went. */
  async deleteFinishedBefore(before: Date, batch = 1_000): Promise<number> {
    const ids = await this.rows.find({
      select: { id: true },
      where: { status: In(['done', 'failed']), completedAt: LessThan(before) },
      take: batch,
    });
    if (ids.length === 0) {
      return 0;
    }
    await this.rows.delete(ids.map((r) => r.id));
    return ids.length;
  }

  /** A message link and the conversation it belongs to (message deletes). */
  async linkWithConversation(
    installationId: string,
    instagramAccountId: string,
    itemKey: string,
  ): Promise<LinkedMessage | null> {
    const rows = await this.rows.manager.query<
      Array<{
        id: string;
        state: string;
        direction: string;
        livechat_chat_id: string | null;
        livechat_thread_id: string | null;
        livechat_event_id: string | null;
        conversation_id: string;
        igsid: string;
        livechat_customer_id: string | null;
      }>
    >(
      `SELECT l.id, l.state, l.direction, l.livechat_chat_id, l.livechat_thread_id,
              l.livechat_event_id, c.id AS conversation_id, c.igsid, c.livechat_customer_id
         FROM message_links l JOIN conversations c ON c.id = l.conversation_id
        WHERE l.installation_id = $1 AND l.instagram_account_id = $2
          AND l.instagram_message_id = $3`,
      [installationId, instagramAccountId, itemKey],
    );
    const row = rows[0];
    if (!row) {
      return null;
    }
    return {
      linkId: String(row.id),
      state: row.state,
      direction: row.direction,
      chatId: row.livechat_chat_id,
      threadId: row.livechat_thread_id,
      eventId: row.livechat_event_id,
      conversationId: row.conversation_id,
      igsid: row.igsid,
      livechatCustomerId: row.livechat_customer_id,
    };
  }
}
