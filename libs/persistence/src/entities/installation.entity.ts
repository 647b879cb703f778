import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export type InstallationStatus = 'active' | 'needs_reauth' | 'uninstalled';

/** One LiveChat organization that installed the app. Tokens are ciphertexts (TokenCipher). */
@Entity({ name: 'installations' })
export class InstallationEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('uq_installations_organization_id', { unique: true })
  @Column({ name: 'organization_id', type: 'varchar', length: 64 })
  organizationId!: string;

  @Column({ name: 'license_id', type: 'bigint', nullable: true })
  licenseId!: string | null;

  /** The LiveChat account (an admin) whose grant the tokens carry. */
  @Column({ name: 'account_id', type: 'varchar', length: 64, nullable: true })
  accountId!: string | null;

  @Column({ name: 'access_token_enc', type: 'text', nullable: true })
  accessTokenEnc!: string | null;

  @Column({ name: 'refresh_token_enc', type: 'text', nullable: true })
  refreshTokenEnc!: string | null;

  @Column({ name: 'access_token_expires_at', type: 'timestamptz', nullable: true })
  accessTokenExpiresAt!: Date | null;

  @Column({ name: 'scopes', type: 'text', default: '' })
  scopes!: string;

  @Column({ name: 'status', type: 'varchar', length: 16, default: 'active' })
  status!: InstallationStatus;

  /** Replies between 24 h and 7 days after the customer's last message use the HUMAN_AGENT tag. */
  @Column({ name: 'human_agent_enabled', type: 'boolean', default: false })
  humanAgentEnabled!: boolean;

  @Column({ name: 'uninstalled_at', type: 'timestamptz', nullable: true })
  uninstalledAt!: Date | null;

  @Column({ name: 'purge_at', type: 'timestamptz', nullable: true })
  purgeAt!: Date | null;

  /**
   * When LiveChat confirmed the uninstall (our grant stopped working, or the app's license
   * webhooks were turned off). An uninstall webhook is unsigned: nothing is revoked or purged
   * before this is set.
   */
  @Column({ name: 'uninstall_confirmed_at', type: 'timestamptz', nullable: true })
  uninstallConfirmedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
