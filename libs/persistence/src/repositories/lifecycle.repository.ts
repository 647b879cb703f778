import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, In, IsNull, LessThan, Not, Repository } from 'typeorm';
import { InstagramAccountEntity } from '../entities/instagram-account.entity';
import { InstallationEntity } from '../entities/installation.entity';

export interface UninstallState {
  uninstalledAt: Date;
  purgeAt: Date | null;
  /** False when the installation was already marked uninstalled (a redelivered webhook). */
  changed: boolean;
}

/**
 * Lifecycle state of installations and their Instagram accounts: uninstall (unconfirmed, then
 * confirmed or restored), disconnect, reconnect-needed, and the queries the cleanup sweeps run.
 * Guards sit in the WHERE clauses so a reinstall or reconnect racing a cleanup step wins.
 */
@Injectable()
export class LifecycleRepository {
  constructor(
    @InjectRepository(InstallationEntity)
    private readonly installations: Repository<InstallationEntity>,
    @InjectRepository(InstagramAccountEntity)
    private readonly accounts: Repository<InstagramAccountEntity>,
  ) {}

  // ------------------------------------------------------------------ installations

  /**
   * Stops the installation at once (the relay drops its messages) pending LiveChat's
   * confirmation. A second call keeps the first uninstall time and purge date.
   */
  async markUninstalled(installationId: string, purgeAt: Date): Promise<UninstallState | null> {
    const now = new Date();
    const result = await this.installations
      .createQueryBuilder()
      .update()
      .set({ status: 'uninstalled', uninstalledAt: now, purgeAt, uninstallConfirmedAt: null })
      .where('id = :installationId', { installationId })
      .andWhere(`status <> 'uninstalled'`)
      .execute();
    const row = await this.installations.findOneBy({ id: installationId });
    if (!row?.uninstalledAt) {
      return null;
    }
    return {
      uninstalledAt: row.uninstalledAt,
      purgeAt: row.purgeAt,
      changed: (result.affected ?? 0) > 0,
    };
  }

  /** LiveChat confirmed the uninstall that started at `uninstalledAt`. */
  async confirmUninstall(installationId: string, uninstalledAt: Date): Promise<boolean> {
    const result = await this.installations.update(
      { id: installationId, status: 'uninstalled', uninstalledAt, uninstallConfirmedAt: IsNull() },
      { uninstallConfirmedAt: new Date() },
    );
    return (result.affected ?? 0) > 0;
  }

  /**
   * LiveChat says the app is still installed: undo an unconfirmed uninstall (relaying resumes).
   * Never undoes a confirmed one, nor a later uninstall.
   */
  async restoreUnconfirmed(installationId: string, uninstalledAt: Date): Promise<boolean> {
    const result = await this.installations.update(
      { id: installationId, status: 'uninstalled', uninstalledAt, uninstallConfirmedAt: IsNull() },
      { status: 'active', uninstalledAt: null, purgeAt: null },
    );
    return (result.affected ?? 0) > 0;
  }

  /** After revocation: the tokens are dead; ciphertexts of dead tokens are not kept either. */
  async clearLiveChatTokens(installationId: string): Promise<void> {
    await this.installations.update(
      { id: installationId, status: 'uninstalled' },
      { accessTokenEnc: null, refreshTokenEnc: null, accessTokenExpiresAt: null },
    );
  }

  /** Active installations whose agent token expires before `before` (token health). */
  listActiveExpiringBefore(before: Date, limit: number): Promise<InstallationEntity[]> {
    return this.installations.find({
      where: {
        status: 'active',
        refreshTokenEnc: Not(IsNull()),
        accessTokenExpiresAt: LessThan(before),
      },
      order: { accessTokenExpiresAt: 'ASC' },
      take: limit,
    });
  }

  /** Confirmed uninstalls whose purge is overdue by more than the grace (sweep safety net). */
  listOverdueInstallationPurges(cutoff: Date, limit: number): Promise<InstallationEntity[]> {
    return this.installations.find({
      where: {
        status: 'uninstalled',
        uninstallConfirmedAt: Not(IsNull()),
        purgeAt: LessThan(cutoff),
      },
      take: limit,
    });
  }

  /** Uninstalls neither confirmed nor restored long after they started (a lost job). */
  listStaleUnconfirmedUninstalls(cutoff: Date, limit: number): Promise<InstallationEntity[]> {
    return this.installations.find({
      where: {
        status: 'uninstalled',
        uninstallConfirmedAt: IsNull(),
        uninstalledAt: LessThan(cutoff),
      },
      take: limit,
    });
  }

  // ------------------------------------------------------------------ accounts

  findAccounts(installationId: string, ids?: readonly string[]): Promise<InstagramAccountEntity[]> {
    return this.accounts.find({
      where: ids ? { installationId, id: In([...ids]) } : { installationId },
      order: { createdAt: 'ASC' },
    });
  }

  findAccountById(id: string): Promise<InstagramAccountEntity | null> {
    return this.accounts.findOneBy({ id });
  }

  /** Every connection a Facebook user made, in any installation and any status. */
  findAccountsConnectedBy(facebookUserId: string): Promise<InstagramAccountEntity[]> {
    return this.accounts.find({
      where: { connectedByUserId: facebookUserId },
      order: { createdAt: 'ASC' },
    });
  }

  /**
   * Marks accounts disconnected (the relay drops their messages) and schedules their purge.
   * Returns the accounts it changed; already disconnected ones keep their purge date.
   */
  async markAccountsDisconnected(
    ids: readonly string[],
    reason: string,
    purgeAt: Date,
  ): Promise<InstagramAccountEntity[]> {
    if (ids.length === 0) {
      return [];
    }
    const result = await this.accounts
      .createQueryBuilder()
      .update()
      .set({ status: 'disconnected', statusReason: reason, purgeAt })
      .where('id IN (:...ids)', { ids: [...ids] })
      .andWhere(`status <> 'disconnected'`)
      .returning('id')
      .execute();
    const changed = (result.raw as Array<{ id: string }>).map((r) => r.id);
    return changed.length > 0 ? this.accounts.findBy({ id: In(changed) }) : [];
  }

  /**
   * After revocation: the account's Page token is dead and its ciphertext goes. Accounts of an
   * uninstalled installation also show why they need connecting again (after a reinstall).
   */
  async afterRevocation(
    installationId: string,
    ids: readonly string[],
    needsReconnectReason: string | null,
  ): Promise<void> {
    if (ids.length === 0) {
      return;
    }
    await this.accounts.update(
      { installationId, id: In([...ids]) },
      needsReconnectReason
        ? { pageTokenEnc: null, status: 'needs_reconnect', statusReason: needsReconnectReason }
        : { pageTokenEnc: null },
    );
  }

  /** Marks an account as needing reconnection (token health), unless it is disconnected. */
  async markNeedsReconnect(installationId: string, id: string, reason: string): Promise<boolean> {
    const result = await this.accounts.update(
      { installationId, id, status: Not('disconnected') },
      { status: 'needs_reconnect', statusReason: reason },
    );
    return (result.affected ?? 0) > 0;
  }

  /** Another live connection uses this Page (its subscription must stay). */
  async pageUsedElsewhere(pageId: string, excludeIds: readonly string[]): Promise<boolean> {
    return this.accounts.existsBy({
      pageId,
      status: Not('disconnected'),
      ...(excludeIds.length > 0 ? { id: Not(In([...excludeIds])) } : {}),
    });
  }

  /**
   * Another live connection was made by this Facebook user: revoking their grant would kill its
   * Page token too.
   */
  async userConnectedElsewhere(
    facebookUserId: string,
    excludeIds: readonly string[],
  ): Promise<boolean> {
    const query = this.accounts
      .createQueryBuilder('a')
      .innerJoin(InstallationEntity, 'i', 'i.id = a.installation_id')
      .where('a.connected_by_user_id = :facebookUserId', { facebookUserId })
      .andWhere(`a.status <> 'disconnected'`)
      .andWhere(`i.status <> 'uninstalled'`);
    if (excludeIds.length > 0) {
      query.andWhere('a.id NOT IN (:...excludeIds)', { excludeIds: [...excludeIds] });
    }
    return (await query.getCount()) > 0;
  }

  /** Active accounts holding a Page token, by id after `afterId` (token health paging). */
  listActiveAccountsWithToken(
    afterId: string | null,
    limit: number,
  ): Promise<InstagramAccountEntity[]> {
    const query = this.accounts
      .createQueryBuilder('a')
      .innerJoin(InstallationEntity, 'i', 'i.id = a.installation_id')
      .where(`a.status = 'active' AND a.page_token_enc IS NOT NULL AND i.status = 'active'`)
      .orderBy('a.id', 'ASC')
      .limit(limit);
    if (afterId) {
      query.andWhere('a.id > :afterId', { afterId });
    }
    return query.getMany();
  }

  /**
   * Disconnected accounts whose purge is overdue: purge date passed `cutoff`, or no purge date and
   * disconnected (last updated) before `undatedCutoff`.
   */
  listOverdueAccountPurges(
    cutoff: Date,
    undatedCutoff: Date,
    limit: number,
  ): Promise<InstagramAccountEntity[]> {
    return this.accounts
      .createQueryBuilder('a')
      .where(`a.status = 'disconnected'`)
      .andWhere(
        new Brackets((q) => {
          q.where('a.purge_at < :cutoff', { cutoff }).orWhere(
            'a.purge_at IS NULL AND a.updated_at < :undatedCutoff',
            { undatedCutoff },
          );
        }),
      )
      .limit(limit)
      .getMany();
  }
}
