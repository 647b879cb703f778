import { Injectable, Logger } from '@nestjs/common';
import {
  CleanupAuditRepository,
  InstallationRepository,
  LifecycleRepository,
  PurgeCounts,
  PurgeRepository,
} from '@app/persistence';
import { DataPurgeJob } from '@app/queues';
import { CleanupMetrics } from '../common/cleanup-metrics';
import { RedisJanitor } from './redis-janitor.service';
import { RevocationService, Steps } from './revocation.service';

/** A purge job that runs this much before its purge date is still on time (clock skew). */
const EARLY_TOLERANCE_MS = 60_000;

export type PurgeOutcome =
  | 'purged'
  | 'gone'
  | 'skipped-reinstalled'
  | 'skipped-reconnected'
  | 'skipped-rescheduled'
  | 'skipped-unconfirmed';

/**
 * Removes every row and Redis key of an installation, or of some of its accounts. Idempotent: a
 * second run finds nothing. A purge never touches an installation that was reinstalled, nor an
 * account that was reconnected, and a purge job that finds a later purge date leaves the data to
 * the later job.
 */
@Injectable()
export class PurgeService {
  private readonly logger = new Logger(PurgeService.name);

  constructor(
    private readonly installations: InstallationRepository,
    private readonly lifecycle: LifecycleRepository,
    private readonly purges: PurgeRepository,
    private readonly janitor: RedisJanitor,
    private readonly revocation: RevocationService,
    private readonly audit: CleanupAuditRepository,
    private readonly metrics: CleanupMetrics,
  ) {}

  async purge(job: DataPurgeJob, jobId: string): Promise<PurgeOutcome> {
    return job.instagramAccountIds?.length
      ? this.purgeAccounts(job.installationId, job.instagramAccountIds, job.reason, jobId)
      : this.purgeInstallation(job.installationId, job.reason, jobId);
  }

  async purgeInstallation(
    installationId: string,
    reason: string,
    jobId: string,
  ): Promise<PurgeOutcome> {
    const installation = await this.installations.findById(installationId);
    if (!installation) {
      return 'gone';
    }
    const skip = async (outcome: PurgeOutcome): Promise<PurgeOutcome> => {
      await this.audit.record({
        action: 'purge-skipped',
        scope: 'installation',
        subjectId: installationId,
        reason,
        outcome,
      });
      this.logger.log({ msg: 'purge skipped', installationId, outcome });
      return outcome;
    };
    if (installation.status !== 'uninstalled') {
      return skip('skipped-reinstalled');
    }
    if (!installation.uninstallConfirmedAt) {
      return skip('skipped-unconfirmed');
    }
    if (installation.purgeAt && installation.purgeAt.getTime() > Date.now() + EARLY_TOLERANCE_MS) {
      return skip('skipped-rescheduled');
    }

    const steps: Steps = {};
    const accounts = await this.lifecycle.findAccounts(installationId);
    const withTokens = accounts.filter((a) => a.pageTokenEnc);
    if (withTokens.length > 0) {
      await this.revocation.lastTry('meta', steps, () =>
        this.revocation.revokeMeta(withTokens, steps),
      );
    }
    if (installation.accessTokenEnc || installation.refreshTokenEnc) {
      await this.revocation.lastTry('livechat', steps, async () => {
        await this.revocation.revokeCustomerTokens(installationId, 'all', steps);
        await this.revocation.revokeLiveChatGrant(installationId, steps);
      });
    }

    const footprint = await this.purges.footprint(installationId);
    const redis = await this.janitor.clean(
      [
        installationId,
        footprint.organizationId ?? '',
        ...footprint.accountIds,
        ...footprint.instagramAccountIds,
        ...footprint.conversationIds,
        ...footprint.livechatCustomerIds,
        ...footprint.livechatChatIds,
      ],
      jobId,
    );
    const counts = await this.purges.purgeInstallation(installationId);
    if (!counts) {
      // Reinstalled between the checks and the delete: the transaction saw it and kept everything.
      return skip('skipped-reinstalled');
    }
    await this.done(
      'installation',
      installationId,
      footprint.accountIds,
      reason,
      counts,
      redis,
      steps,
    );
    return 'purged';
  }

  async purgeAccounts(
    installationId: string,
    accountIds: readonly string[],
    reason: string,
    jobId: string,
    options: { now?: boolean } = {},
  ): Promise<PurgeOutcome> {
    const accounts = await this.lifecycle.findAccounts(installationId, accountIds);
    if (accounts.length === 0) {
      return 'gone';
    }
    const latest = Date.now() + EARLY_TOLERANCE_MS;
    const due = accounts.filter(
      (a) =>
        a.status === 'disconnected' && (options.now || !a.purgeAt || a.purgeAt.getTime() <= latest),
    );
    if (due.length === 0) {
      const outcome: PurgeOutcome = accounts.some((a) => a.status === 'disconnected')
        ? 'skipped-rescheduled'
        : 'skipped-reconnected';
      await this.audit.record({
        action: 'purge-skipped',
        scope: 'account',
        subjectId: installationId,
        accountIds: accounts.map((a) => a.id),
        reason,
        outcome,
      });
      return outcome;
    }

    const steps: Steps = {};
    const withTokens = due.filter((a) => a.pageTokenEnc);
    if (withTokens.length > 0) {
      await this.revocation.lastTry('meta', steps, () =>
        this.revocation.revokeMeta(withTokens, steps),
      );
    }
    const ids = due.map((a) => a.id);
    const footprint = await this.purges.footprint(installationId, ids);
    if (footprint.livechatCustomerIds.length > 0) {
      await this.revocation.lastTry('livechat', steps, () =>
        this.revocation.revokeCustomerTokens(installationId, footprint.livechatCustomerIds, steps),
      );
    }
    const redis = await this.janitor.clean(
      [
        ...footprint.accountIds,
        ...footprint.instagramAccountIds,
        ...footprint.conversationIds,
        ...footprint.livechatCustomerIds,
        ...footprint.livechatChatIds,
      ],
      jobId,
    );
    const { counts, purgedIds } = await this.purges.purgeAccounts(installationId, ids);
    await this.done('account', installationId, purgedIds, reason, counts, redis, steps);
    return purgedIds.length > 0 ? 'purged' : 'skipped-reconnected';
  }

  private async done(
    scope: 'installation' | 'account',
    installationId: string,
    accountIds: string[],
    reason: string,
    counts: PurgeCounts,
    redis: { keys: number; jobs: number },
    steps: Steps,
  ): Promise<void> {
    const removed: Record<string, number> = {
      installations: counts.installations,
      accounts: counts.accounts,
      conversations: counts.conversations,
      'message-links': counts.links,
      'deletion-requests': counts.deletionRequests,
      'redis-keys': redis.keys,
      'redis-jobs': redis.jobs,
    };
    for (const [what, n] of Object.entries(removed)) {
      if (n > 0) {
        this.metrics.removed.inc({ what }, n);
      }
    }
    await this.audit.record({
      action: 'purge',
      scope,
      subjectId: installationId,
      accountIds,
      reason,
      outcome: Object.keys(steps).some((k) => k.endsWith('.last-try')) ? 'partial' : 'ok',
      steps: { ...steps, ...removed },
    });
    this.logger.log({
      msg: 'purged',
      scope,
      installationId,
      accounts: accountIds.length,
      ...removed,
    });
  }
}
