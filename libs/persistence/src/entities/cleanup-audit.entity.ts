import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type CleanupAuditAction =
  | 'uninstall-confirmed'
  | 'uninstall-not-confirmed'
  | 'revocation'
  | 'purge'
  | 'purge-skipped'
  | 'data-deletion';

export type CleanupAuditScope = 'installation' | 'account' | 'facebook-user';

/**
 * What the cleanup worker did, for operators and for proof: our own row ids, the action, why, and
 * how each step went. Never tokens, names, message ids or any platform user's identifier. It
 * outlives the purge it records (kept a year), which is its point.
 */
@Entity({ name: 'cleanup_audit' })
@Index('ix_cleanup_audit_subject', ['subjectId'])
@Index('ix_cleanup_audit_created_at', ['createdAt'])
export class CleanupAuditEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column({ name: 'action', type: 'varchar', length: 32 })
  action!: CleanupAuditAction;

  @Column({ name: 'scope', type: 'varchar', length: 16 })
  scope!: CleanupAuditScope;

  /** Our installation id (or deletion-request id for data deletions). */
  @Column({ name: 'subject_id', type: 'uuid' })
  subjectId!: string;

  /** Our instagram_accounts row ids, when the action concerned some accounts only. */
  @Column({ name: 'account_ids', type: 'uuid', array: true, default: () => "'{}'" })
  accountIds!: string[];

  /** uninstalled, disconnected, deauthorized, data-deletion… */
  @Column({ name: 'reason', type: 'varchar', length: 32 })
  reason!: string;

  /** ok, partial, skipped, restored… */
  @Column({ name: 'outcome', type: 'varchar', length: 32 })
  outcome!: string;

  /** Step → result (`meta.unsubscribe: revoked`, `livechat.refresh-token: already-gone`), counts. */
  @Column({ name: 'steps', type: 'jsonb', default: () => "'{}'" })
  steps!: Record<string, string | number>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
