import { Injectable, Logger } from '@nestjs/common';
import { schedulePurge } from '@app/app-wiring';
import { ConnectionSignals } from '@app/credentials';
import {
  CleanupAuditRepository,
  InstallationEntity,
  InstallationRepository,
  LifecycleRepository,
  PurgeRepository,
} from '@app/persistence';
import { DeferJobError, JobProducer, TokenRevocationJob } from '@app/queues';
import { CleanupMetrics } from '../common/cleanup-metrics';
import { CleanupWorkerEnv } from '../config/cleanup-worker.env';
import { RevocationService, Steps } from './revocation.service';
import { UninstallVerifier } from './uninstall-verifier.service';

/** First wait before asking LiveChat again whether an uninstall is real; doubles each time. */
const CONFIRM_FIRST_WAIT_MS = 5_000;

export const UNINSTALLED_ACCOUNT_REASON =
  'The app was uninstalled from LiveChat, which disconnected this Instagram account. Connect it again.';

export type RevocationOutcome =
  'revoked' | 'restored' | 'gone' | 'skipped-reinstalled' | 'skipped-reconnected';

export interface RevocationAttempt {
  attemptsMade: number;
  attempts: number;
}

/**
 * A token-revocation job: the whole installation (uninstall) or some of its accounts (disconnect,
 * Meta deauthorize). An uninstall is acted on only once LiveChat confirms it; then the purge is
 * scheduled first (so it happens whatever revocation meets), and everything is revoked.
 */
@Injectable()
export class TokenRevocationService {
  private readonly logger = new Logger(TokenRevocationService.name);

  constructor(
    private readonly installations: InstallationRepository,
    private readonly lifecycle: LifecycleRepository,
    private readonly purges: PurgeRepository,
    private readonly verifier: UninstallVerifier,
    private readonly revocation: RevocationService,
    private readonly producer: JobProducer,
    private readonly audit: CleanupAuditRepository,
    private readonly metrics: CleanupMetrics,
    private readonly env: CleanupWorkerEnv,
    private readonly signals: ConnectionSignals,
  ) {}

  async handle(job: TokenRevocationJob, attempt: RevocationAttempt): Promise<RevocationOutcome> {
    const installation = await this.installations.findById(job.installationId);
    if (!installation) {
      return 'gone';
    }
    return job.instagramAccountIds?.length
      ? this.revokeAccounts(installation, job.instagramAccountIds, job.reason)
      : this.revokeInstallation(installation, job, attempt);
  }

  private async revokeInstallation(
    installation: InstallationEntity,
    job: TokenRevocationJob,
    attempt: RevocationAttempt,
  ): Promise<RevocationOutcome> {
    const uninstalledAt = installation.uninstalledAt;
    if (installation.status !== 'uninstalled' || !uninstalledAt) {
      await this.audit.record({
        action: 'revocation',
        scope: 'installation',
        subjectId: installation.id,
        reason: job.reason,
        outcome: 'skipped',
        steps: { why: 'reinstalled' },
      });
      return 'skipped-reinstalled';
    }
    if (!installation.uninstallConfirmedAt) {
      const verdict = await this.verifier.check(installation);
      if (!verdict.confirmed) {
        const deadline = uninstalledAt.getTime() + this.env.UNINSTALL_CONFIRM_WINDOW_SECONDS * 1000;
        const left = deadline - Date.now();
        if (left > 0) {
          throw new DeferJobError(
            this.confirmWait(left, attempt),
            `LiveChat has not confirmed the uninstall yet (${verdict.evidence})`,
          );
        }
        const restored = await this.lifecycle.restoreUnconfirmed(installation.id, uninstalledAt);
        // The trail first: whoever sees the row restored finds why in the audit right after.
        await this.audit.record({
          action: 'uninstall-not-confirmed',
          scope: 'installation',
          subjectId: installation.id,
          reason: job.reason,
          outcome: restored ? 'restored' : 'superseded',
          steps: { evidence: verdict.evidence },
        });
        await this.signals.changed();
        this.metrics.uninstallsNotConfirmed.inc();
        this.logger.error({
          msg: 'uninstall webhook not confirmed by LiveChat: installation restored, nothing revoked or purged (possible forged webhook)',
          installationId: installation.id,
          evidence: verdict.evidence,
          restored,
        });
        return 'restored';
      }
      await this.lifecycle.confirmUninstall(installation.id, uninstalledAt);
      await this.audit.record({
        action: 'uninstall-confirmed',
        scope: 'installation',
        subjectId: installation.id,
        reason: job.reason,
        outcome: 'ok',
        steps: { evidence: verdict.evidence },
      });
    }

    const purgeAt =
      installation.purgeAt ??
      new Date(uninstalledAt.getTime() + this.env.PURGE_DELAY_SECONDS * 1000);
    await schedulePurge(this.producer, {
      installationId: installation.id,
      reason: 'uninstalled',
      purgeAt,
      correlationId: job.correlationId,
    });

    const steps: Steps = { 'purge-at': purgeAt.toISOString() };
    const accounts = await this.lifecycle.findAccounts(installation.id);
    await this.revocation.revokeMeta(accounts, steps);
    await this.lifecycle.afterRevocation(
      installation.id,
      accounts.map((a) => a.id),
      UNINSTALLED_ACCOUNT_REASON,
    );
    await this.revocation.revokeCustomerTokens(installation.id, 'all', steps);
    await this.revocation.revokeLiveChatGrant(installation.id, steps);
    await this.audit.record({
      action: 'revocation',
      scope: 'installation',
      subjectId: installation.id,
      accountIds: accounts.map((a) => a.id),
      reason: job.reason,
      outcome: 'ok',
      steps,
    });
    this.logger.log({ msg: 'installation revoked', installationId: installation.id, steps });
    return 'revoked';
  }

  private async revokeAccounts(
    installation: InstallationEntity,
    accountIds: readonly string[],
    reason: string,
  ): Promise<RevocationOutcome> {
    const accounts = (await this.lifecycle.findAccounts(installation.id, accountIds)).filter(
      (a) => a.status === 'disconnected',
    );
    if (accounts.length === 0) {
      // Reconnected since (or purged): a fresh connection must not be revoked.
      return 'skipped-reconnected';
    }
    const ids = accounts.map((a) => a.id);
    const steps: Steps = {};
    await this.revocation.revokeMeta(accounts, steps);
    await this.lifecycle.afterRevocation(installation.id, ids, null);
    const footprint = await this.purges.footprint(installation.id, ids);
    if (footprint.livechatCustomerIds.length > 0) {
      await this.revocation.revokeCustomerTokens(
        installation.id,
        footprint.livechatCustomerIds,
        steps,
      );
    }
    await this.audit.record({
      action: 'revocation',
      scope: 'account',
      subjectId: installation.id,
      accountIds: ids,
      reason,
      outcome: 'ok',
      steps,
    });
    this.logger.log({
      msg: 'accounts revoked',
      installationId: installation.id,
      accounts: ids.length,
    });
    return 'revoked';
  }

  /**
   * How long to wait before asking again: doubling from a few seconds, never past the window's
   * end, and long enough that doubling over the attempts Bull has left reaches the end.
   */
  private confirmWait(left: number, attempt: RevocationAttempt): number {
    const remaining = Math.min(30, Math.max(1, attempt.attempts - attempt.attemptsMade - 2));
    const doubling = CONFIRM_FIRST_WAIT_MS * 2 ** Math.min(attempt.attemptsMade, 20);
    const enough = Math.ceil(left / (2 ** remaining - 1));
    return Math.max(50, Math.min(left + 50, Math.max(doubling, enough)));
  }
}
