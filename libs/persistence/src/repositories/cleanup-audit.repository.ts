import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import {
  CleanupAuditAction,
  CleanupAuditEntity,
  CleanupAuditScope,
} from '../entities/cleanup-audit.entity';

export interface CleanupAuditEntry {
  action: CleanupAuditAction;
  scope: CleanupAuditScope;
  subjectId: string;
  accountIds?: string[];
  reason: string;
  outcome: string;
  steps?: Record<string, string | number>;
}

/** The cleanup worker's audit trail: ids and outcomes only (see CleanupAuditEntity). */
@Injectable()
export class CleanupAuditRepository {
  constructor(
    @InjectRepository(CleanupAuditEntity) private readonly rows: Repository<CleanupAuditEntity>,
  ) {}

  async record(entry: CleanupAuditEntry): Promise<void> {
    await this.rows.insert({
      action: entry.action,
      scope: entry.scope,
      subjectId: entry.subjectId,
      accountIds: entry.accountIds ?? [],
      reason: entry.reason,
      outcome: entry.outcome,
      steps: entry.steps ?? {},
    });
  }

  listForSubject(subjectId: string): Promise<CleanupAuditEntity[]> {
    return this.rows.find({ where: { subjectId }, order: { id: 'ASC' } });
  }

  /** Retention of the audit trail itself. Returns how many went. */
  async deleteOlderThan(before: Date, batch = 1_000): Promise<number> {
    const ids = await this.rows.find({
      select: { id: true },
      where: { createdAt: LessThan(before) },
      take: batch,
    });
    if (ids.length === 0) {
      return 0;
    }
    await this.rows.delete(ids.map((r) => r.id));
    return ids.length;
  }
}
