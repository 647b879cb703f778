import { Injectable, Logger } from '@nestjs/common';
import { cleanupJobIds, enqueueFresh, schedulePurge } from '@app/app-wiring';
import { ConnectionSignals } from '@app/credentials';
import {
  DeletionRequestEntity,
  DeletionRequestRepository,
  InstagramAccountEntity,
  LifecycleRepository,
} from '@app/persistence';
import { JobProducer, QueueName } from '@app/queues';
import { GatewayEnv } from '../config/gateway.env';

export const DEAUTHORIZED_ACCOUNT_REASON =
  'The Facebook user who connected this account removed the app from Facebook. Connect it again to resume.';
export const DATA_DELETION_ACCOUNT_REASON =
  'The Facebook user who connected this account asked Meta to delete their data from this app.';

/**
 * Meta's callbacks, after their signed_request was verified. Both stop relaying at once for the
 * connections the Facebook user made (status `disconnected`); deauthorize revokes them and
 * schedules their purge after PURGE_DELAY_SECONDS, data deletion deletes them at once (the
 * cleanup worker) and leaves a status record behind.
 */
@Injectable()
export class MetaCallbacksService {
  private readonly logger = new Logger(MetaCallbacksService.name);

  constructor(
    private readonly lifecycle: LifecycleRepository,
    private readonly deletions: DeletionRequestRepository,
    private readonly producer: JobProducer,
    private readonly env: GatewayEnv,
    private readonly signals: ConnectionSignals,
  ) {}

  async deauthorize(facebookUserId: string, correlationId: string): Promise<number> {
    const accounts = await this.lifecycle.findAccountsConnectedBy(facebookUserId);
    const purgeAt = new Date(Date.now() + this.env.PURGE_DELAY_SECONDS * 1000);
    const changed = await this.lifecycle.markAccountsDisconnected(
      accounts.map((a) => a.id),
      DEAUTHORIZED_ACCOUNT_REASON,
      purgeAt,
    );
    // Before the answer: no worker relays for them from now on, whatever its caches hold.
    await this.signals.changed();
    for (const [installationId, ids] of byInstallation(changed)) {
      await enqueueFresh(
        this.producer,
        QueueName.TOKEN_REVOCATION,
        {
          correlationId,
          acceptedAt: Date.now(),
          installationId,
          instagramAccountIds: ids,
          reason: 'deauthorized',
        },
        { jobId: cleanupJobIds.revocation(installationId, ids, purgeAt) },
      );
      await schedulePurge(this.producer, {
        installationId,
        instagramAccountIds: ids,
        reason: 'deauthorized',
        purgeAt,
        correlationId,
      });
    }
    this.logger.log({ msg: 'deauthorize callback', accounts: changed.length, correlationId });
    return changed.length;
  }

  async requestDataDeletion(
    facebookUserId: string,
    correlationId: string,
  ): Promise<DeletionRequestEntity> {
    const dueAt = new Date(Date.now() + this.env.PURGE_DELAY_SECONDS * 1000);
    const request = await this.deletions.createDataDeletion(facebookUserId, dueAt);
    const accounts = await this.lifecycle.findAccountsConnectedBy(facebookUserId);
    await this.lifecycle.markAccountsDisconnected(
      accounts.map((a) => a.id),
      DATA_DELETION_ACCOUNT_REASON,
      new Date(),
    );
    await this.signals.changed();
    await enqueueFresh(
      this.producer,
      QueueName.META_DATA_DELETION,
      { correlationId, acceptedAt: Date.now(), deletionRequestId: request.id },
      { jobId: cleanupJobIds.metaDataDeletion(request.id) },
    );
    this.logger.log({
      msg: 'data-deletion callback',
      deletionRequestId: request.id,
      accounts: accounts.length,
      correlationId,
    });
    return request;
  }

  findRequest(code: string): Promise<DeletionRequestEntity | null> {
    return this.deletions.findDataDeletionByCode(code);
  }
}

function byInstallation(accounts: readonly InstagramAccountEntity[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const account of accounts) {
    groups.set(account.installationId, [...(groups.get(account.installationId) ?? []), account.id]);
  }
  return groups;
}
