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
import { InstallationEntity } from './installation.entity';

export type InstagramAccountStatus = 'active' | 'needs_reconnect' | 'disconnected';

/**
 * What the watchdog found at its last check: `working`; `repaired` (it fixed something itself,
 * shown for a day after the repair); `needs_you` (only the admin can fix it, e.g. reconnect).
 */
export type AccountHealthState = 'working' | 'repaired' | 'needs_you';

/** `facebook`: Messenger API for Instagram, Page token; `instagram`: Instagram Login, IG User token. */
export type LoginPath = 'facebook' | 'instagram';

/** An Instagram professional account, reached through its Facebook Page or Instagram Login, connected to an installation. */
@Entity({ name: 'instagram_accounts' })
export class InstagramAccountEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('ix_instagram_accounts_installation_id')
  @Column({ name: 'installation_id', type: 'uuid' })
  installationId!: string;

  @ManyToOne(() => InstallationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'installation_id' })
  installation?: InstallationEntity;

  /**
   * What holds the webhook subscription: the Facebook Page (`facebook` path) or, on the
   * `instagram` path (Instagram Login, no Page), the Instagram account itself.
   */
  @Column({ name: 'page_id', type: 'varchar', length: 64 })
  pageId!: string;

  /** How it was connected: through its Facebook Page, or with Instagram Login (graph.instagram.com). */
  @Column({ name: 'login_path', type: 'varchar', length: 16, default: 'facebook' })
  loginPath!: LoginPath;

  /** When the token expires (Instagram Login's 60-day tokens; null: Page tokens do not). */
  @Index('ix_instagram_accounts_token_expires_at')
  @Column({ name: 'token_expires_at', type: 'timestamptz', nullable: true })
  tokenExpiresAt!: Date | null;

  /** The id Instagram webhooks carry (entry.id / recipient.id). One installation at a time. */
  @Index('uq_instagram_accounts_instagram_account_id', { unique: true })
  @Column({ name: 'instagram_account_id', type: 'varchar', length: 64 })
  instagramAccountId!: string;

  @Column({ name: 'username', type: 'varchar', length: 128, nullable: true })
  username!: string | null;

  @Column({ name: 'name', type: 'varchar', length: 256, nullable: true })
  name!: string | null;

  @Column({ name: 'page_name', type: 'varchar', length: 256, nullable: true })
  pageName!: string | null;

  @Column({ name: 'avatar_url', type: 'text', nullable: true })
  avatarUrl!: string | null;

  @Column({ name: 'page_token_enc', type: 'text', nullable: true })
  pageTokenEnc!: string | null;

  /** App-scoped Facebook user id of whoever connected it (deauthorize and data-deletion callbacks). */
  @Index('ix_instagram_accounts_connected_by')
  @Column({ name: 'connected_by_user_id', type: 'varchar', length: 64, nullable: true })
  connectedByUserId!: string | null;

  @Column({ name: 'status', type: 'varchar', length: 16, default: 'active' })
  status!: InstagramAccountStatus;

  /** Why the account needs attention, in words an admin can act on. No personal data. */
  @Column({ name: 'status_reason', type: 'varchar', length: 256, nullable: true })
  statusReason!: string | null;

  /** LiveChat group this account's new chats go to (0: the General group every license has). */
  @Column({ name: 'livechat_group_id', type: 'integer', default: 0 })
  livechatGroupId!: number;

  /**
   * Set when LiveChat refused the chosen group (deleted since it was chosen): new chats then go
   * to the General group until an admin picks another. Words an admin can act on.
   */
  @Column({ name: 'livechat_group_problem', type: 'varchar', length: 256, nullable: true })
  livechatGroupProblem!: string | null;

  @Column({ name: 'last_relayed_at', type: 'timestamptz', nullable: true })
  lastRelayedAt!: Date | null;

  @Column({ name: 'purge_at', type: 'timestamptz', nullable: true })
  purgeAt!: Date | null;

  /** Null until the watchdog first checked the account. */
  @Column({ name: 'health_state', type: 'varchar', length: 16, nullable: true })
  healthState!: AccountHealthState | null;

  @Column({ name: 'health_checked_at', type: 'timestamptz', nullable: true })
  healthCheckedAt!: Date | null;

  /** The last problem found, in words an admin can act on (kept after it is solved). */
  @Column({ name: 'health_problem', type: 'varchar', length: 256, nullable: true })
  healthProblem!: string | null;

  @Column({ name: 'health_problem_at', type: 'timestamptz', nullable: true })
  healthProblemAt!: Date | null;

  /** What the watchdog last repaired by itself, in an admin's words. */
  @Column({ name: 'health_repair', type: 'varchar', length: 256, nullable: true })
  healthRepair!: string | null;

  @Column({ name: 'health_repaired_at', type: 'timestamptz', nullable: true })
  healthRepairedAt!: Date | null;

  /** When the watchdog checks this account next (a per-account phase spreads the checks). */
  @Index('ix_instagram_accounts_health_due_at')
  @Column({ name: 'health_due_at', type: 'timestamptz', nullable: true })
  healthDueAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
