import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { TokenCipher } from '../crypto/token-cipher';
import { TOKEN_CIPHER } from '../crypto/token-cipher.provider';
import { pageTokenContext } from '../crypto/token-contexts';
import {
  InstagramAccountEntity,
  InstagramAccountStatus,
  LoginPath,
} from '../entities/instagram-account.entity';

export interface InstagramAccountConnection {
  installationId: string;
  pageId: string;
  instagramAccountId: string;
  pageToken: string;
  username: string | null;
  name: string | null;
  pageName: string | null;
  avatarUrl: string | null;
  connectedByUserId: string | null;
  /** Default `facebook`. */
  loginPath?: LoginPath;
  /** When `pageToken` expires (Instagram Login tokens); null or absent: never. */
  tokenExpiresAt?: Date | null;
}

/** Where a refused account is connected now. */
export interface ExistingConnection {
  installationId: string;
  loginPath: LoginPath;
  /** True: another installation (LiveChat organization); false: this one, through the other path. */
  otherInstallation: boolean;
}

export class InstagramAccountTakenError extends Error {
  constructor(readonly existing: ExistingConnection) {
    super(
      existing.otherInstallation
        ? 'this Instagram account is connected to another LiveChat organization'
        : `this Instagram account is already connected here through ${existing.loginPath === 'facebook' ? 'a Facebook Page' : 'Instagram Login'}`,
    );
    this.name = 'InstagramAccountTakenError';
  }
}

/**
 * Whether connecting `instagramAccountId` through `loginPath` into `installationId` collides with
 * the row there now: another installation's live connection, or this installation's through the
 * other path (Meta would deliver every DM twice). Disconnected rows never collide.
 */
export function connectionConflict(
  existing: Pick<InstagramAccountEntity, 'installationId' | 'loginPath' | 'status'> | null,
  installationId: string,
  loginPath: LoginPath,
): ExistingConnection | undefined {
  if (!existing || existing.status === 'disconnected') {
    return undefined;
  }
  if (existing.installationId !== installationId) {
    return {
      installationId: existing.installationId,
      loginPath: existing.loginPath,
      otherInstallation: true,
    };
  }
  if (existing.loginPath !== loginPath) {
    return { installationId, loginPath: existing.loginPath, otherInstallation: false };
  }
  return undefined;
}

@Injectable()
export class InstagramAccountRepository {
  constructor(
    @InjectRepository(InstagramAccountEntity)
    private readonly rows: Repository<InstagramAccountEntity>,
    @Inject(TOKEN_CIPHER) private readonly cipher: TokenCipher,
  ) {}

  /** Webhook routing: the account a webhook's Instagram id belongs to, whatever its status. */
  findByInstagramId(instagramAccountId: string): Promise<InstagramAccountEntity | null> {
    return this.rows.findOneBy({ instagramAccountId });
  }

  findForInstallation(installationId: string, id: string): Promise<InstagramAccountEntity | null> {
    return this.rows.findOneBy({ installationId, id });
  }

  listForInstallation(installationId: string): Promise<InstagramAccountEntity[]> {
    return this.rows.find({ where: { installationId }, order: { createdAt: 'ASC' } });
  }

  /**
   * Connects (or reconnects) an account. Refused when another installation holds it, unless that
   * connection is already disconnected.
   */
  async connect(connection: InstagramAccountConnection): Promise<InstagramAccountEntity> {
    return this.rows.manager.transaction(async (manager) => {
      const repo = manager.getRepository(InstagramAccountEntity);
      const existing = await repo.findOne({
        where: { instagramAccountId: connection.instagramAccountId },
        lock: { mode: 'pessimistic_write' },
      });
      const conflict = connectionConflict(
        existing,
        connection.installationId,
        connection.loginPath ?? 'facebook',
      );
      if (conflict) {
        throw new InstagramAccountTakenError(conflict);
      }
      if (existing && existing.installationId !== connection.installationId) {
        await repo.delete({ id: existing.id });
      }
      const row =
        existing && existing.installationId === connection.installationId
          ? existing
          : repo.create({ instagramAccountId: connection.instagramAccountId });
      row.installationId = connection.installationId;
      row.pageId = connection.pageId;
      row.username = connection.username;
      row.name = connection.name;
      row.pageName = connection.pageName;
      row.avatarUrl = connection.avatarUrl;
      row.connectedByUserId = connection.connectedByUserId;
      row.loginPath = connection.loginPath ?? 'facebook';
      row.tokenExpiresAt = connection.tokenExpiresAt ?? null;
      row.status = 'active';
      row.statusReason = null;
      row.purgeAt = null;
      // A (re)connected account starts afresh: the watchdog's next check says how it is.
      row.healthState = null;
      const saved = await repo.save(row);
      saved.pageTokenEnc = this.cipher.encrypt(connection.pageToken, this.context(saved.id));
      return repo.save(saved);
    });
  }

  async getPageToken(installationId: string, id: string): Promise<string | null> {
    const row = await this.rows.findOneBy({ installationId, id });
    return row ? this.pageTokenOf(row) : null;
  }

  /** The page token of an account row already read (no round trip). */
  pageTokenOf(account: Pick<InstagramAccountEntity, 'id' | 'pageTokenEnc'>): string | null {
    return account.pageTokenEnc
      ? this.cipher.decrypt(account.pageTokenEnc, this.context(account.id))
      : null;
  }

  /**
   * Stores a refreshed token, unless the row's token changed meanwhile (a reconnect, or another
   * refresh): `previousEnc` is the ciphertext the refresh started from. True when stored.
   */
  async replaceToken(
    account: Pick<InstagramAccountEntity, 'id' | 'installationId' | 'pageTokenEnc'>,
    token: string,
    expiresAt: Date | null,
  ): Promise<boolean> {
    const result = await this.rows
      .createQueryBuilder()
      .update()
      .set({
        pageTokenEnc: this.cipher.encrypt(token, this.context(account.id)),
        tokenExpiresAt: expiresAt,
      })
      .where('installation_id = :installationId AND id = :id', {
        installationId: account.installationId,
        id: account.id,
      })
      .andWhere('page_token_enc IS NOT DISTINCT FROM :previous', { previous: account.pageTokenEnc })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** Live Instagram Login accounts whose token expires before `before`, soonest first. */
  listTokensExpiringBefore(before: Date, limit: number): Promise<InstagramAccountEntity[]> {
    return this.rows
      .createQueryBuilder('a')
      .where("a.login_path = 'instagram'")
      .andWhere("a.status <> 'disconnected'")
      .andWhere('a.token_expires_at IS NOT NULL AND a.token_expires_at < :before', { before })
      .orderBy('a.token_expires_at', 'ASC')
      .limit(limit)
      .getMany();
  }

  async setStatus(
    installationId: string,
    id: string,
    status: InstagramAccountStatus,
    reason: string | null,
  ): Promise<void> {
    await this.rows.update({ installationId, id }, { status, statusReason: reason });
  }

  /** The admin chose the account's LiveChat group (checked with LiveChat): any problem is over. */
  async setLivechatGroup(
    installationId: string,
    id: string,
    livechatGroupId: number,
  ): Promise<InstagramAccountEntity | null> {
    await this.rows.update({ installationId, id }, { livechatGroupId, livechatGroupProblem: null });
    return this.rows.findOneBy({ installationId, id });
  }

  /**
   * LiveChat refused the account's group: recorded for the settings page. Only while the group is
   * still the one refused, so an admin's fix made meanwhile is not overwritten.
   */
  async markLivechatGroupProblem(
    installationId: string,
    id: string,
    livechatGroupId: number,
    problem: string,
  ): Promise<void> {
    await this.rows.update(
      { installationId, id, livechatGroupId },
      { livechatGroupProblem: problem },
    );
  }

  /**
   * "Last message relayed" for the settings page. Every message of an account would otherwise
   * update the same row: at most one write per account every 30 s, decided by the database.
   */
  async touchRelayed(installationId: string, id: string, at: Date): Promise<void> {
    await this.rows
      .createQueryBuilder()
      .update()
      .set({ lastRelayedAt: at })
      .where('installation_id = :installationId AND id = :id', { installationId, id })
      .andWhere(
        "(last_relayed_at IS NULL OR last_relayed_at < :at::timestamptz - interval '30 seconds')",
        { at },
      )
      .execute();
  }

  private context(id: string): string {
    return pageTokenContext(id);
  }
}
