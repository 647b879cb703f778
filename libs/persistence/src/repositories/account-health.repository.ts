import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AccountHealthState, InstagramAccountEntity } from '../entities/instagram-account.entity';
import { InstallationEntity } from '../entities/installation.entity';

/** One watchdog check's outcome for an account. */
export interface AccountHealthRecord {
  state: AccountHealthState;
  checkedAt: Date;
  /** Set when this check found a problem (kept on the row until the next one). */
  problem?: string;
  /** Set when this check repaired something by itself. */
  repair?: string;
}

export interface DueAccount {
  id: string;
  installationId: string;
  /** The slot it was due at (job ids derive from it: one check per slot). */
  dueAt: Date;
}

/**
 * The watchdog's bookkeeping on `instagram_accounts`: which accounts are due for a check (each on
 * its own phase, so thousands of accounts do not fire together) and what each check found.
 */
@Injectable()
export class AccountHealthRepository {
  constructor(
    @InjectRepository(InstagramAccountEntity)
    private readonly rows: Repository<InstagramAccountEntity>,
  ) {}

  /**
   * Claims up to `limit` watched accounts whose check is due and moves each one's next check to
   * `nextDue(id)`; returns those that were due. Accounts never scheduled are only given their first
   * slot (not checked now: a deploy would otherwise check every account at once). Rows another
   * worker is claiming are skipped, so two workers never claim the same check.
   */
  async claimDue(
    now: Date,
    limit: number,
    nextDue: (id: string) => Date,
  ): Promise<{ due: DueAccount[]; scheduled: number }> {
    return this.rows.manager.transaction(async (manager) => {
      const candidates = await manager
        .getRepository(InstagramAccountEntity)
        .createQueryBuilder('a')
        .select(['a.id', 'a.installationId', 'a.healthDueAt'])
        .innerJoin(InstallationEntity, 'i', 'i.id = a.installation_id')
        .where(`a.status <> 'disconnected' AND i.status <> 'uninstalled'`)
        .andWhere('(a.health_due_at IS NULL OR a.health_due_at <= :now)', { now })
        .orderBy('a.health_due_at', 'ASC', 'NULLS FIRST')
        .limit(limit)
        .setLock('pessimistic_write', undefined, ['a'])
        .setOnLocked('skip_locked')
        .getMany();
      const due: DueAccount[] = [];
      for (const row of candidates) {
        await manager.update(
          InstagramAccountEntity,
          { id: row.id },
          { healthDueAt: nextDue(row.id) },
        );
        if (row.healthDueAt !== null) {
          due.push({ id: row.id, installationId: row.installationId, dueAt: row.healthDueAt });
        }
      }
      return { due, scheduled: candidates.length - due.length };
    });
  }

  /** Brings the account's next check forward to `at` (never pushes it later). */
  async checkAgainAt(id: string, at: Date): Promise<void> {
    await this.rows
      .createQueryBuilder()
      .update()
      .set({ healthDueAt: at })
      .where('id = :id', { id })
      .andWhere('(health_due_at IS NULL OR health_due_at > :at)', { at })
      .execute();
  }

  async record(id: string, result: AccountHealthRecord): Promise<void> {
    await this.rows.update(
      { id },
      {
        healthState: result.state,
        healthCheckedAt: result.checkedAt,
        ...(result.problem !== undefined
          ? { healthProblem: result.problem.slice(0, 256), healthProblemAt: result.checkedAt }
          : {}),
        ...(result.repair !== undefined
          ? { healthRepair: result.repair.slice(0, 256), healthRepairedAt: result.checkedAt }
          : {}),
      },
    );
  }

  /** Watched accounts by their last health state (`unchecked` before the first check). */
  async countByState(): Promise<Record<AccountHealthState | 'unchecked', number>> {
    const rows = await this.rows
      .createQueryBuilder('a')
      .select(`COALESCE(a.health_state, 'unchecked')`, 'state')
      .addSelect('count(*)::int', 'n')
      .innerJoin(InstallationEntity, 'i', 'i.id = a.installation_id')
      .where(`a.status <> 'disconnected' AND i.status <> 'uninstalled'`)
      .groupBy('1')
      .getRawMany<{ state: AccountHealthState | 'unchecked'; n: number }>();
    const counts = { working: 0, repaired: 0, needs_you: 0, unchecked: 0 };
    for (const row of rows) {
      counts[row.state] = row.n;
    }
    return counts;
  }

  /** Watched accounts whose check is overdue by more than `before` (the watchdog is behind). */
  countOverdue(before: Date): Promise<number> {
    return this.rows
      .createQueryBuilder('a')
      .innerJoin(InstallationEntity, 'i', 'i.id = a.installation_id')
      .where(`a.status <> 'disconnected' AND i.status <> 'uninstalled'`)
      .andWhere('a.health_due_at < :before', { before })
      .getCount();
  }
}
