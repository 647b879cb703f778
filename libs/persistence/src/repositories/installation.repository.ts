import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { TokenCipher } from '../crypto/token-cipher';
import { TOKEN_CIPHER } from '../crypto/token-cipher.provider';
import { installationTokenContext } from '../crypto/token-contexts';
import { InstallationEntity } from '../entities/installation.entity';

export interface InstallationGrant {
  organizationId: string;
  accountId: string | null;
  accessToken: string;
  refreshToken: string | null;
  expiresAt: Date;
  scopes: string;
}

export interface InstallationTokens {
  accessToken: string | null;
  refreshToken: string | null;
  expiresAt: Date | null;
}

/** Installations by LiveChat organization. Tokens go in and out in clear; rows hold ciphertexts. */
@Injectable()
export class InstallationRepository {
  constructor(
    @InjectRepository(InstallationEntity) private readonly rows: Repository<InstallationEntity>,
    @Inject(TOKEN_CIPHER) private readonly cipher: TokenCipher,
  ) {}

  findById(installationId: string): Promise<InstallationEntity | null> {
    return this.rows.findOneBy({ id: installationId });
  }

  findByOrganization(organizationId: string): Promise<InstallationEntity | null> {
    return this.rows.findOneBy({ organizationId });
  }

  /**
   * Creates the installation or, on reinstall, reactivates the existing one with the new grant
   * (cancelling a scheduled purge): one row per organization, ever.
   */
  async upsertGrant(grant: InstallationGrant): Promise<InstallationEntity> {
    await this.rows
      .createQueryBuilder()
      .insert()
      .values({ organizationId: grant.organizationId, status: 'active' })
      .orIgnore()
      .execute();
    const row = await this.rows.findOneByOrFail({ organizationId: grant.organizationId });
    await this.rows.update(
      { id: row.id },
      {
        accountId: grant.accountId,
        accessTokenEnc: this.cipher.encrypt(grant.accessToken, this.context(row.id, 'access')),
        refreshTokenEnc: grant.refreshToken
          ? this.cipher.encrypt(grant.refreshToken, this.context(row.id, 'refresh'))
          : null,
        accessTokenExpiresAt: grant.expiresAt,
        scopes: grant.scopes,
        status: 'active',
        uninstalledAt: null,
        purgeAt: null,
      },
    );
    return this.rows.findOneByOrFail({ id: row.id });
  }

  async getTokens(installationId: string): Promise<InstallationTokens> {
    const row = await this.rows.findOneByOrFail({ id: installationId });
    return {
      accessToken: row.accessTokenEnc
        ? this.cipher.decrypt(row.accessTokenEnc, this.context(row.id, 'access'))
        : null,
      refreshToken: row.refreshTokenEnc
        ? this.cipher.decrypt(row.refreshTokenEnc, this.context(row.id, 'refresh'))
        : null,
      expiresAt: row.accessTokenExpiresAt,
    };
  }

  async saveAccessToken(
    installationId: string,
    accessToken: string,
    expiresAt: Date,
    refreshToken?: string,
  ): Promise<void> {
    await this.rows.update(
      { id: installationId },
      {
        accessTokenEnc: this.cipher.encrypt(accessToken, this.context(installationId, 'access')),
        accessTokenExpiresAt: expiresAt,
        ...(refreshToken
          ? {
              refreshTokenEnc: this.cipher.encrypt(
                refreshToken,
                this.context(installationId, 'refresh'),
              ),
            }
          : {}),
      },
    );
  }

  async setLicenseId(organizationId: string, licenseId: number): Promise<void> {
    await this.rows.update({ organizationId }, { licenseId: String(licenseId) });
  }

  async updateSettings(
    installationId: string,
    settings: { humanAgentEnabled?: boolean },
  ): Promise<void> {
    await this.rows.update({ id: installationId }, settings);
  }

  async markUninstalled(installationId: string, purgeAt: Date): Promise<void> {
    await this.rows.update(
      { id: installationId },
      { status: 'uninstalled', uninstalledAt: new Date(), purgeAt },
    );
  }

  async markNeedsReauth(installationId: string): Promise<void> {
    await this.rows.update({ id: installationId, status: 'active' }, { status: 'needs_reauth' });
  }

  /** Removes the row and, by cascade, its accounts, conversations and links. */
  async delete(installationId: string): Promise<void> {
    await this.rows.delete({ id: installationId });
  }

  private context(installationId: string, kind: 'access' | 'refresh'): string {
    return installationTokenContext(installationId, kind);
  }
}
