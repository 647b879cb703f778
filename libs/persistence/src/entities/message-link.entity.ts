import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { ConversationEntity } from './conversation.entity';

export type MessageDirection = 'inbound' | 'outbound';
export type MessageLinkState = 'pending' | 'done';

/**
 * Instagram message id ↔ LiveChat chat/thread/event. The unique indexes are the exactly-once
 * guarantee in both directions; ids only, never content.
 */
@Entity({ name: 'message_links' })
@Index('uq_message_links_account_mid', ['instagramAccountId', 'instagramMessageId'], {
  unique: true,
  where: '"instagram_message_id" IS NOT NULL',
})
@Index('uq_message_links_outbound_event', ['installationId', 'livechatEventId', 'part'], {
  unique: true,
  where: `"direction" = 'outbound'`,
})
@Index('ix_message_links_created_at', ['createdAt'])
/** Cascades from conversations and the idle-conversation sweep look links up by conversation. */
@Index('ix_message_links_conversation_id', ['conversationId'])
export class MessageLinkEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column({ name: 'installation_id', type: 'uuid' })
  installationId!: string;

  @Column({ name: 'instagram_account_id', type: 'uuid' })
  instagramAccountId!: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @ManyToOne(() => ConversationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'conversation_id' })
  conversation?: ConversationEntity;

  @Column({ name: 'direction', type: 'varchar', length: 8 })
  direction!: MessageDirection;

  @Column({ name: 'state', type: 'varchar', length: 8, default: 'done' })
  state!: MessageLinkState;

  @Column({ name: 'instagram_message_id', type: 'varchar', length: 256, nullable: true })
  instagramMessageId!: string | null;

  @Column({ name: 'livechat_chat_id', type: 'varchar', length: 64, nullable: true })
  livechatChatId!: string | null;

  @Column({ name: 'livechat_thread_id', type: 'varchar', length: 64, nullable: true })
  livechatThreadId!: string | null;

  @Column({ name: 'livechat_event_id', type: 'varchar', length: 128, nullable: true })
  livechatEventId!: string | null;

  /** Outbound: the n-th Instagram message a long LiveChat reply was split into. */
  @Column({ name: 'part', type: 'smallint', default: 0 })
  part!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
