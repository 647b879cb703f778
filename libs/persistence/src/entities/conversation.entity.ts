import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { InstagramAccountEntity } from './instagram-account.entity';

/** One Instagram user talking to one connected account ↔ one LiveChat customer and chat. */
@Entity({ name: 'conversations' })
@Index('uq_conversations_account_igsid', ['instagramAccountId', 'igsid'], { unique: true })
@Index('ix_conversations_installation_chat', ['installationId', 'chatId'])
export class ConversationEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'installation_id', type: 'uuid' })
  installationId!: string;

  @Column({ name: 'instagram_account_id', type: 'uuid' })
  instagramAccountId!: string;

  @ManyToOne(() => InstagramAccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'instagram_account_id' })
  instagramAccount?: InstagramAccountEntity;

  /** Instagram-scoped user id of the customer. */
  @Column({ name: 'igsid', type: 'varchar', length: 64 })
  igsid!: string;

  @Index('ix_conversations_customer')
  @Column({ name: 'livechat_customer_id', type: 'varchar', length: 64, nullable: true })
  livechatCustomerId!: string | null;

  @Column({ name: 'chat_id', type: 'varchar', length: 64, nullable: true })
  chatId!: string | null;

  @Column({ name: 'thread_id', type: 'varchar', length: 64, nullable: true })
  threadId!: string | null;

  /** The customer's last message: opens Meta's 24-hour (and 7-day HUMAN_AGENT) window. */
  @Column({ name: 'last_inbound_at', type: 'timestamptz', nullable: true })
  lastInboundAt!: Date | null;

  @Column({ name: 'profile_synced_at', type: 'timestamptz', nullable: true })
  profileSyncedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
