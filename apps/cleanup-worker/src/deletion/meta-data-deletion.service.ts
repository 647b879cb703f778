import { Injectable, Logger } from '@nestjs/common';
import {
  CleanupAuditRepository,
  DeletionRequestRepository,
  LifecycleRepository,
  PurgeRepository,
} from '@app/persistence';
import { MetaDataDeletionJob } from '@app/queues';
import { PurgeService } from '../lifecycle/purge.service';
import { RevocationService, Steps } from '../lifecycle/revocation.service';

export const DATA_DELETION_ACCOUNT_REASON =
  'The Facebook user who connected this account asked Meta to delete their data from this app.';

export type DataDeletionOutcome = 'deleted' | 'nothing-held' | 'already-done' | 'gone';

/**
 * A Meta data-deletion request: every Instagram connection the Facebook user made (in any
 * installation) is disconnected, its Meta grants revoked, and it is purged at once with its
 * conversations, links and cached tokens. No delay: the person asked. The request row, which the
 * status page reads, keeps only the code, dates and the outcome in words.
 */
@Injectable()
export class MetaDataDeletionService {
  private readonly logger = new Logger(MetaDataDeletionService.name);

  constructor(
    private readonly deletions: DeletionRequestRepository,
    private readonly lifecycle: LifecycleRepository,
    private readonly purges: PurgeRepository,
    private readonly revocation: RevocationService,
    private readonly purge: PurgeService,
    private readonly audit: CleanupAuditRepository,
  ) {}

  async handle(job: MetaDataDeletionJob, jobId: string): Promise<DataDeletionOutcome> {
    const request = await this.deletions.findById(job.deletionRequestId);
    if (!request || request.kind !== 'meta_data_deletion') {
      return 'gone';
    }
    if (request.status !== 'pending' || !request.facebookUserId) {
      return 'already-done';
    }
    const accounts = await this.lifecycle.findAccountsConnectedBy(request.facebookUserId);
    if (accounts.length === 0) {
      await this.deletions.markDone(
        request.id,
        'Nothing to delete: no Instagram connection made by this Facebook account was stored.',
      );
      await this.audit.record({
        action: 'data-deletion',
        scope: 'facebook-user',
        subjectId: request.id,
        reason: 'data-deletion',
        outcome: 'nothing-held',
      });
      return 'nothing-held';
    }
    await this.lifecycle.markAccountsDisconnected(
      accounts.map((a) => a.id),
      DATA_DELETION_ACCOUNT_REASON,
      new Date(),
    );
    const steps: Steps = {};
    const byInstallation = new Map<string, string[]>();
    for (const account of accounts) {
      byInstallation.set(account.installationId, [
        ...(byInstallation.get(account.installationId) ?? []),
        account.id,
      ]);
    }
    let purged = 0;
    for (const [installationId, ids] of byInstallation) {
      const current = await this.lifecycle.findAccounts(installationId, ids);
      // Transient failures throw here: the job retries before anything is purged.
      await this.revocation.revokeMeta(current, steps);
      const footprint = await this.purges.footprint(installationId, ids);
      if (footprint.livechatCustomerIds.length > 0) {
        await this.revocation.revokeCustomerTokens(
          installationId,
          footprint.livechatCustomerIds,
          steps,
        );
      }
      await this.lifecycle.afterRevocation(installationId, ids, null);
      const outcome = await this.purge.purgeAccounts(installationId, ids, 'data-deletion', jobId, {
        now: true,
      });
      if (outcome === 'purged') {
        purged += ids.length;
      }
    }
    await this.deletions.markDone(
      request.id,
      `Completed: ${purged} Instagram connection(s) made by this Facebook account were removed, with every conversation mapping, message link and token stored for them.`,
    );
    await this.audit.record({
      action: 'data-deletion',
      scope: 'facebook-user',
      subjectId: request.id,
      accountIds: accounts.map((a) => a.id),
      reason: 'data-deletion',
      outcome: 'ok',
      steps: { ...steps, 'accounts-purged': purged },
    });
    this.logger.log({
      msg: 'data-deletion request completed',
      deletionRequestId: request.id,
      purged,
    });
    return 'deleted';
  }
}
