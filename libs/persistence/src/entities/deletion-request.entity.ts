import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export type DeletionRequestKind = 'instagram_message' | 'meta_data_deletion';
export type DeletionRequestStatus = 'pending' | 'done' | 'failed';

/**
 * A promise to delete something: an Instagram message unsent by its author (applied to LiveChat
 * within 30 days, even when it arrives before the message) or a Meta data-deletion request.
 */
@Entity({ name: 'deletion_requests' })
@Index('uq_deletion_requests_account_mid', ['instagramAccountId', 'instagramMessageId'], {
  unique: true,
  where: '"instagram_message_id" IS NOT NULL',
})
/** The sweep walks pending promises by due date. */
@Index('ix_deletion_requests_status_due', ['status', 'dueAt'])
export class DeletionRequestEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'kind', type: 'varchar', length: 24 })
  kind!: DeletionRequestKind;

  @Column({ name: 'status', type: 'varchar', length: 8, default: 'pending' })
  status!: DeletionRequestStatus;

  @Index('uq_deletion_requests_confirmation_code', { unique: true })
  @Column({ name: 'confirmation_code', type: 'varchar', length: 32 })
  confirmationCode!: string;

  @Column({ name: 'instagram_account_id', type: 'uuid', nullable: true })
  instagramAccountId!: string | null;

  @Column({ name: 'instagram_message_id', type: 'varchar', length: 256, nullable: true })
  instagramMessageId!: string | null;

  /** App-scoped Facebook user id from a signed_request. */
  @Column({ name: 'facebook_user_id', type: 'varchar', length: 64, nullable: true })
  facebookUserId!: string | null;

  /** When the promise falls due (30 days for message deletes). */
  @Column({ name: 'due_at', type: 'timestamptz' })
  dueAt!: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  /** Words for the status page; no personal data. */
  @Column({ name: 'detail', type: 'varchar', length: 256, nullable: true })
  detail!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
