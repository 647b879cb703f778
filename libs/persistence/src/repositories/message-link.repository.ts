import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, LessThan, Repository } from 'typeorm';
import { ConversationEntity } from '../entities/conversation.entity';
import { MessageLinkEntity } from '../entities/message-link.entity';
import {
  CONVERSATION_COLUMNS,
  conversationFromRow,
  ConversationRow,
} from './conversation.repository';
import { preparedQuery } from './prepared-query';

/** An inbound item: the account, the Instagram user (its conversation) and the item's key. */
export interface InboundLinkKey {
  installationId: string;
  instagramAccountId: string;
  igsid: string;
  instagramMessageId: string;
}

/** An agent reply's part, claimed before it is sent to Instagram. */
export interface OutboundClaimKey {
  installationId: string;
  instagramAccountId: string;
  conversationId: string;
  livechatChatId: string;
  livechatEventId: string;
  part: number;
}

/** An inbound item's claim with its conversation; `created` false when claimed before. */
export interface InboundClaimResult {
  conversation: ConversationEntity;
  link: MessageLinkEntity;
  created: boolean;
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
   * Claims an inbound Instagram message before it is sent to LiveChat, and reads the conversation
   * it belongs to, in one round trip (`claimInboundMany` for one item).
   */
  async claimInboundWithConversation(
    key: InboundLinkKey,
    windowAt: Date | null,
  ): Promise<InboundClaimResult | null> {
    const [claimed] = await this.claimInboundMany([{ key, windowAt }]);
    return claimed ?? null;
  }

  /**
   * Claims inbound Instagram messages before they are sent to LiveChat, and reads the
   * conversation each belongs to, in one statement for all of them (the relay groups the claims
   * asked for while a previous statement was in flight). `windowAt` (the time of a message that
   * opens Meta's messaging window) moves its conversation's last_inbound_at forward in the same
   * statement. Per item, in order: the new claim; the existing one when the message was claimed
   * before (a redelivery, a retry, or a crash after claiming), read in a second round trip; or
   * null, having written nothing for it, when its conversation does not exist yet.
   */
  async claimInboundMany(
    items: ReadonlyArray<{ key: InboundLinkKey; windowAt: Date | null }>,
  ): Promise<Array<InboundClaimResult | null>> {
    if (items.length === 0) {
      return [];
    }
    // The same item twice in one batch would join both to one new row: the first claims it,
    // the others find it claimed.
    const seen = new Map<string, number>();
    const unique = items.filter(({ key }, i) => {
      const id = `${key.instagramAccountId}/${key.instagramMessageId}`;
      if (seen.has(id)) {
        return false;
      }
      seen.set(id, i);
      return true;
    });
    const rows = await preparedQuery<
      ConversationRow & { i: string; link_id: string | null; link_created_at: Date | null }
    >(
      this.rows.manager.connection,
      'inbound_claim_many',
      `WITH v AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::varchar[], $4::varchar[], $5::timestamptz[])
                WITH ORDINALITY AS v(installation_id, account_id, igsid, mid, win, i)
       ), conv AS (
         SELECT v.i, v.mid, ${CONVERSATION_COLUMNS.map((c) => `c.${c}`).join(', ')}
           FROM v JOIN conversations c
             ON c.installation_id = v.installation_id AND c.instagram_account_id = v.account_id
            AND c.igsid = v.igsid
       ), claim AS (
         INSERT INTO message_links
                (installation_id, instagram_account_id, conversation_id, instagram_message_id,
                 direction, state)
         SELECT conv.installation_id, conv.instagram_account_id, conv.id, conv.mid, 'inbound',
                'pending'
           FROM conv
         ON CONFLICT DO NOTHING
         RETURNING id, created_at, instagram_account_id, instagram_message_id
       ), win AS (
         -- Forward only: a late, older message must not shrink the window.
         UPDATE conversations c SET last_inbound_at = w.at, updated_at = CURRENT_TIMESTAMP
           FROM (SELECT conv.installation_id, conv.id, max(v.win) AS at
                   FROM conv JOIN v ON v.i = conv.i WHERE v.win IS NOT NULL
                  GROUP BY conv.installation_id, conv.id) w
          WHERE c.installation_id = w.installation_id AND c.id = w.id
            AND (c.last_inbound_at IS NULL OR c.last_inbound_at < w.at)
       )
       SELECT conv.i, ${CONVERSATION_COLUMNS.map((c) => `conv.${c}`).join(', ')},
              claim.id AS link_id, claim.created_at AS link_created_at
         FROM conv LEFT JOIN claim
           ON claim.instagram_account_id = conv.instagram_account_id
          AND claim.instagram_message_id = conv.mid`,
      [
        unique.map(({ key }) => key.installationId),
        unique.map(({ key }) => key.instagramAccountId),
        unique.map(({ key }) => key.igsid),
        unique.map(({ key }) => key.instagramMessageId),
        unique.map(({ windowAt }) => windowAt),
      ],
    );
    const results: Array<InboundClaimResult | null> = items.map(() => null);
    const existing: Array<{ at: number; conversation: ConversationEntity }> = [];
    for (const row of rows) {
      const { key } = unique[Number(row.i) - 1];
      const at = seen.get(`${key.instagramAccountId}/${key.instagramMessageId}`)!;
      const conversation = conversationFromRow(row);
      if (row.link_id === null || row.link_created_at === null) {
        existing.push({ at, conversation });
        continue;
      }
      // The usual case, a new item: no second round trip to read back what we just wrote.
      const link = Object.assign(new MessageLinkEntity(), {
        id: String(row.link_id),
        installationId: key.installationId,
        instagramAccountId: key.instagramAccountId,
        conversationId: conversation.id,
        instagramMessageId: key.instagramMessageId,
        createdAt: row.link_created_at,
        direction: 'inbound' as const,
        state: 'pending' as const,
        livechatChatId: null,
        livechatThreadId: null,
        livechatEventId: null,
        part: 0,
      });
      results[at] = { conversation, link, created: true };
    }
    for (const { at, conversation } of existing) {
      results[at] = { conversation, link: await this.linkOf(items[at].key), created: false };
    }
    // Repeats within the batch find the claim their first made (or found).
    for (const [i, { key }] of items.entries()) {
      const first = results[seen.get(`${key.instagramAccountId}/${key.instagramMessageId}`)!];
      if (results[i] === null && first) {
        results[i] = {
          conversation: first.conversation,
          link: await this.linkOf(key),
          created: false,
        };
      }
    }
    return results;
  }

  private linkOf(key: InboundLinkKey): Promise<MessageLinkEntity> {
    return this.rows.findOneByOrFail({
      installationId: key.installationId,
      instagramAccountId: key.instagramAccountId,
      instagramMessageId: key.instagramMessageId,
    });
  }

  /**
   * After inbound items landed in LiveChat, one statement for the items of several conversations
   * (the relay groups the items delivered while a previous statement was in flight): each claim
   * done with where it landed; each conversation's chat and thread written only when they
   * changed (its updated_at, which the idle-conversation sweep reads, is still refreshed at least
   * daily; the last item given for a conversation wins, and a conversation relays one item at a
   * time); and the accounts in `touch`, "last relayed", not twice within 30 s (as
   * `InstagramAccountRepository.touchRelayed` decides). Resolves once all are recorded, or fails
   * whole.
   */
  async completeInboundMany(
    items: ReadonlyArray<{
      installationId: string;
      id: string;
      conversationId: string;
      ref: LiveChatEventRef;
    }>,
    touch: ReadonlyArray<{ installationId: string; id: string; at: Date }>,
  ): Promise<void> {
    if (items.length === 0 && touch.length === 0) {
      return;
    }
    const conversations = new Map<string, (typeof items)[number]>();
    for (const item of items) {
      conversations.set(`${item.installationId}/${item.conversationId}`, item);
    }
    const convs = [...conversations.values()];
    await preparedQuery(
      this.rows.manager.connection,
      'inbound_complete_many',
      `WITH link AS (
         UPDATE message_links l
            SET state = 'done', livechat_chat_id = v.chat_id, livechat_thread_id = v.thread_id,
                livechat_event_id = v.event_id
           FROM unnest($1::uuid[], $2::bigint[], $3::varchar[], $4::varchar[], $5::varchar[])
                AS v(installation_id, id, chat_id, thread_id, event_id)
          WHERE l.installation_id = v.installation_id AND l.id = v.id
       ), conv AS (
         UPDATE conversations c
            SET chat_id = v.chat_id, thread_id = v.thread_id, updated_at = CURRENT_TIMESTAMP
           FROM unnest($6::uuid[], $7::uuid[], $8::varchar[], $9::varchar[])
                AS v(installation_id, id, chat_id, thread_id)
          WHERE c.installation_id = v.installation_id AND c.id = v.id
            AND (c.chat_id IS DISTINCT FROM v.chat_id OR c.thread_id IS DISTINCT FROM v.thread_id
                 OR c.updated_at < CURRENT_TIMESTAMP - interval '1 day')
       ), account AS (
         UPDATE instagram_accounts a
            SET last_relayed_at = v.at, updated_at = CURRENT_TIMESTAMP
           FROM unnest($10::uuid[], $11::uuid[], $12::timestamptz[]) AS v(installation_id, id, at)
          WHERE a.installation_id = v.installation_id AND a.id = v.id
            AND (a.last_relayed_at IS NULL OR a.last_relayed_at < v.at - interval '30 seconds')
       )
       SELECT 1`,
      [
        items.map((i) => i.installationId),
        items.map((i) => i.id),
        items.map((i) => i.ref.chatId),
        items.map((i) => i.ref.threadId),
        items.map((i) => i.ref.eventId),
        convs.map((i) => i.installationId),
        convs.map((i) => i.conversationId),
        convs.map((i) => i.ref.chatId),
        convs.map((i) => i.ref.threadId),
        touch.map((t) => t.installationId),
        touch.map((t) => t.id),
        touch.map((t) => t.at),
      ],
    );
  }

  /**
   * Claims part `part` of an agent's LiveChat event before it is sent to Instagram; the unique
   * (installation, event, part) index makes a redelivered or retried webhook find the claim
   * (`claimOutboundMany` for one part).
   */
  async claimOutbound(
    key: OutboundClaimKey,
  ): Promise<{ link: MessageLinkEntity; created: boolean }> {
    const [claimed] = await this.claimOutboundMany([key]);
    return claimed;
  }

  /**
   * `claimOutbound` for several parts in one statement (the relay groups the claims asked for
   * while one is in flight). Per part, in order: the new claim, or the existing one (a
   * redelivery, a retry, or the same part twice in the batch), read in a second round trip.
   */
  async claimOutboundMany(
    keys: readonly OutboundClaimKey[],
  ): Promise<Array<{ link: MessageLinkEntity; created: boolean }>> {
    if (keys.length === 0) {
      return [];
    }
    const idOf = (k: { installationId: string; livechatEventId: string; part: number }) =>
      `${k.installationId}/${k.livechatEventId}/${k.part}`;
    const first = new Map<string, number>();
    const unique = keys.filter((key, i) => {
      if (first.has(idOf(key))) {
        return false;
      }
      first.set(idOf(key), i);
      return true;
    });
    // Raw and prepared: on the relay's per-message path.
    const rows = await preparedQuery<{
      id: string;
      created_at: Date;
      installation_id: string;
      livechat_event_id: string;
      part: number;
    }>(
      this.rows.manager.connection,
      'outbound_claim_many',
      `INSERT INTO message_links
              (installation_id, instagram_account_id, conversation_id, livechat_chat_id,
               livechat_event_id, part, direction, state)
       SELECT v.installation_id, v.account_id, v.conversation_id, v.chat_id, v.event_id, v.part,
              'outbound', 'pending'
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::varchar[], $5::varchar[],
                     $6::smallint[]) AS v(installation_id, account_id, conversation_id, chat_id,
                                          event_id, part)
       ON CONFLICT DO NOTHING
       RETURNING id, created_at, installation_id, livechat_event_id, part`,
      [
        unique.map((k) => k.installationId),
        unique.map((k) => k.instagramAccountId),
        unique.map((k) => k.conversationId),
        unique.map((k) => k.livechatChatId),
        unique.map((k) => k.livechatEventId),
        unique.map((k) => k.part),
      ],
    );
    const inserted = new Map(
      rows.map((row) => [
        idOf({
          installationId: row.installation_id,
          livechatEventId: row.livechat_event_id,
          part: Number(row.part),
        }),
        row,
      ]),
    );
    const results: Array<{ link: MessageLinkEntity; created: boolean }> = [];
    for (const [i, key] of keys.entries()) {
      const row = inserted.get(idOf(key));
      if (row && first.get(idOf(key)) === i) {
        // The usual case, a new reply: no second round trip to read back what we just wrote.
        const link = Object.assign(new MessageLinkEntity(), {
          ...key,
          id: String(row.id),
          createdAt: row.created_at,
          direction: 'outbound' as const,
          state: 'pending' as const,
          instagramMessageId: null,
          livechatThreadId: null,
        });
        results.push({ link, created: true });
        continue;
      }
      const link = await this.rows.findOneByOrFail({
        installationId: key.installationId,
        direction: 'outbound',
        livechatEventId: key.livechatEventId,
        part: key.part,
      });
      results.push({ link, created: false });
    }
    return results;
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

  /**
   * Records the Instagram message id of a sent part (echoes of it are then recognised); with
   * `touchAccount`, the account's "last relayed" time in the same statement, at most every 30 s
   * as `InstagramAccountRepository.touchRelayed` decides. One raw statement: on the relay's
   * per-message path.
   */
  async completeOutbound(
    installationId: string,
    id: string,
    instagramMessageKey: string,
    touchAccount: { id: string; at: Date } | null = null,
  ): Promise<void> {
    const touch = touchAccount ? touchAccountStep(4, 5) : '';
    await this.rows.manager.query(
      `WITH link AS (
         UPDATE message_links SET state = 'done', instagram_message_id = $3::varchar
          WHERE installation_id = $1::uuid AND id = $2::bigint
       )${touch}
       SELECT 1`,
      [
        installationId,
        id,
        instagramMessageKey,
        ...(touchAccount ? [touchAccount.at, touchAccount.id] : []),
      ],
    );
  }

  /**
   * `completeOutbound` for several sent parts in one statement (the relay groups the parts sent
   * while a previous statement was in flight). Resolves once all are recorded, or fails whole.
   */
  async completeOutboundMany(
    parts: ReadonlyArray<{ installationId: string; id: string; instagramMessageKey: string }>,
  ): Promise<void> {
    if (parts.length === 0) {
      return;
    }
    await this.rows.manager.query(
      `UPDATE message_links l SET state = 'done', instagram_message_id = v.mid
         FROM unnest($1::uuid[], $2::bigint[], $3::varchar[]) AS v(installation_id, id, mid)
        WHERE l.installation_id = v.installation_id AND l.id = v.id`,
      [
        parts.map((p) => p.installationId),
        parts.map((p) => p.id),
        parts.map((p) => p.instagramMessageKey),
      ],
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

/**
 * The CTE both completions add when "last relayed" is due: moves the account's time forward
 * (installation in $1; `at` and account id in the given parameters), at most every 30 s.
 */
function touchAccountStep(atParam: number, accountIdParam: number): string {
  return `, account AS (
           UPDATE instagram_accounts SET last_relayed_at = $${atParam}, updated_at = CURRENT_TIMESTAMP
            WHERE installation_id = $1 AND id = $${accountIdParam}::uuid
              AND (last_relayed_at IS NULL
                   OR last_relayed_at < $${atParam}::timestamptz - interval '30 seconds'))`;
}
