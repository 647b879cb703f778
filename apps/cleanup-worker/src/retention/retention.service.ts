import { Injectable, Logger } from '@nestjs/common';
import { cleanupJobIds, enqueueFresh, schedulePurge } from '@app/app-wiring';
import {
  CleanupAuditRepository,
  DeletionRequestRepository,
  LifecycleRepository,
  PurgeRepository,
} from '@app/persistence';
import { ALL_QUEUES, JobProducer, QueueName, RetentionSweepJob } from '@app/queues';
import { randomUUID } from 'node:crypto';
import { CleanupMetrics } from '../common/cleanup-metrics';
import { CleanupWorkerEnv } from '../config/cleanup-worker.env';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const BATCH = 1_000;
/** One sweep run deletes at most this many batches; the next run goes on. */
const MAX_BATCHES = 200;
/** Finished deletion requests (status page, redelivery guard) are kept this long. */
export const FINISHED_REQUEST_RETENTION_DAYS = 30;
/** The audit trail is kept this long. */
export const AUDIT_RETENTION_DAYS = 365;
/** A message delete not applied this long before its promise falls due raises the alarm. */
export const MESSAGE_DELETE_ALERT_MS = 3 * DAY_MS;
/** Completed jobs are removed at once by their options; any left over go after this. */
const COMPLETED_JOB_GRACE_MS = HOUR_MS;
/** A deletion promise (purge, data deletion, uninstall check) this late is queued again. */
const OVERDUE_GRACE_MS = HOUR_MS;

export type SweepResult = Record<string, number>;

/**
 * The retention sweeps, run as Bull repeatable jobs. Each is idempotent and bounded; what one run
 * does not finish, the next one does.
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger(RetentionService.name);

  constructor(
    private readonly purges: PurgeRepository,
    private readonly deletions: DeletionRequestRepository,
    private readonly lifecycle: LifecycleRepository,
    private readonly audit: CleanupAuditRepository,
    private readonly producer: JobProducer,
    private readonly metrics: CleanupMetrics,
    private readonly env: CleanupWorkerEnv,
  ) {}

  async sweep(kind: RetentionSweepJob['sweep']): Promise<SweepResult> {
    switch (kind) {
      case 'message-links':
        return this.sweepMessageLinks();
      case 'failed-jobs':
        return this.sweepFinishedJobs();
      case 'deletion-requests':
        return this.sweepDeletionPromises();
      case 'conversations':
        return this.sweepIdleConversations();
    }
  }

  /** Instagram ↔ LiveChat id mappings older than MESSAGE_LINK_RETENTION_DAYS. */
  async sweepMessageLinks(): Promise<SweepResult> {
    const before = new Date(Date.now() - this.env.MESSAGE_LINK_RETENTION_DAYS * DAY_MS);
    const links = await this.drain((batch) => this.purges.deleteLinksOlderThan(before, batch));
    this.count('message-links', links);
    return { links };
  }

  /**
   * Failed jobs older than FAILED_JOB_RETENTION_DAYS in every queue (their payloads can hold
   * message text), and any completed job left behind.
   */
  async sweepFinishedJobs(): Promise<SweepResult> {
    const grace = this.env.FAILED_JOB_RETENTION_DAYS * DAY_MS;
    let failed = 0;
    let completed = 0;
    for (const name of ALL_QUEUES) {
      const queue = this.producer.queue(name);
      failed += (await queue.clean(grace, 'failed')).length;
      completed += (await queue.clean(COMPLETED_JOB_GRACE_MS, 'completed')).length;
    }
    this.count('failed-jobs', failed);
    this.count('completed-jobs', completed);
    return { failed, completed };
  }

  /**
   * Deletion promises: applies message deletes whose message has landed, closes those whose
   * message never came, alerts on those about to break; re-queues overdue purges, data-deletion
   * requests and uninstall checks whose jobs were lost; forgets finished requests and old audit.
   */
  async sweepDeletionPromises(): Promise<SweepResult> {
    const result: SweepResult = {
      ...(await this.sweepMessageDeletes()),
      ...(await this.requeueOverdue()),
    };
    const finishedBefore = new Date(Date.now() - FINISHED_REQUEST_RETENTION_DAYS * DAY_MS);
    result['finished-requests'] = await this.drain((batch) =>
      this.deletions.deleteFinishedBefore(finishedBefore, batch),
    );
    const auditBefore = new Date(Date.now() - AUDIT_RETENTION_DAYS * DAY_MS);
    result.audit = await this.drain((batch) => this.audit.deleteOlderThan(auditBefore, batch));
    this.count('deletion-requests', result['finished-requests']);
    this.count('audit', result.audit);
    return result;
  }

  /** Conversations idle for CONVERSATION_IDLE_DAYS with no message link left. */
  async sweepIdleConversations(): Promise<SweepResult> {
    const before = new Date(Date.now() - this.env.CONVERSATION_IDLE_DAYS * DAY_MS);
    const conversations = await this.drain((batch) =>
      this.purges.deleteIdleConversations(before, batch),
    );
    this.count('conversations', conversations);
    return { conversations };
  }

  private async sweepMessageDeletes(): Promise<SweepResult> {
    const now = Date.now();
    let requeued = 0;
    let closed = 0;
    let atRisk = 0;
    let overdue = 0;
    let after: { dueAt: Date; id: string } | null = null;
    for (let page = 0; page < MAX_BATCHES; page += 1) {
      const requests = await this.deletions.listPendingMessageDeletes(after, BATCH);
      for (const request of requests) {
        after = { dueAt: request.dueAt, id: request.id };
        if (!request.instagramAccountId || !request.instagramMessageId) {
          continue;
        }
        const account = await this.lifecycle.findAccountById(request.instagramAccountId);
        const message = account
          ? await this.deletions.linkWithConversation(
              account.installationId,
              account.id,
              request.instagramMessageId,
            )
          : null;
        const late = request.dueAt.getTime() - now;
        if (!account || !message || message.state !== 'done') {
          if (late <= 0) {
            await this.deletions.markDone(
              request.id,
              'Nothing to delete: the message never reached LiveChat.',
            );
            closed += 1;
          }
          continue;
        }
        if (late <= 0) {
          overdue += 1;
        } else if (late <= MESSAGE_DELETE_ALERT_MS) {
          atRisk += 1;
        }
        const mid = request.instagramMessageId.replace(/^m:/, '');
        await enqueueFresh(
          this.producer,
          QueueName.INSTAGRAM_MESSAGE_DELETE,
          {
            correlationId: randomUUID(),
            acceptedAt: Date.now(),
            instagramAccountId: account.instagramAccountId,
            igsid: message.igsid,
            instagramMessageId: mid,
          },
          { jobId: cleanupJobIds.messageDeleteRetry(account.instagramAccountId, mid, 'sweep') },
        );
        requeued += 1;
      }
      if (requests.length < BATCH) {
        break;
      }
    }
    this.metrics.messageDeletesAtRisk.set(atRisk);
    this.metrics.messageDeletesOverdue.set(overdue);
    if (atRisk > 0 || overdue > 0) {
      this.logger.error({
        msg: 'Instagram message deletes not yet applied in LiveChat close to or past the 30-day promise',
        atRisk,
        overdue,
      });
    }
    return {
      'message-deletes-requeued': requeued,
      'message-deletes-closed': closed,
      atRisk,
      overdue,
    };
  }

  private async requeueOverdue(): Promise<SweepResult> {
    const now = Date.now();
    const cutoff = new Date(now - OVERDUE_GRACE_MS);
    let purges = 0;
    for (const installation of await this.lifecycle.listOverdueInstallationPurges(cutoff, BATCH)) {
      await schedulePurge(this.producer, {
        installationId: installation.id,
        reason: 'uninstalled',
        purgeAt: installation.purgeAt ?? new Date(now),
        correlationId: randomUUID(),
      });
      purges += 1;
    }
    const undatedCutoff = new Date(now - this.env.PURGE_DELAY_SECONDS * 1000 - OVERDUE_GRACE_MS);
    const accounts = await this.lifecycle.listOverdueAccountPurges(cutoff, undatedCutoff, BATCH);
    for (const account of accounts) {
      await schedulePurge(this.producer, {
        installationId: account.installationId,
        instagramAccountIds: [account.id],
        reason: 'disconnected',
        purgeAt: account.purgeAt ?? new Date(now),
        correlationId: randomUUID(),
      });
      purges += 1;
    }
    let uninstallChecks = 0;
    const checkCutoff = new Date(
      now - this.env.UNINSTALL_CONFIRM_WINDOW_SECONDS * 1000 - OVERDUE_GRACE_MS,
    );
    for (const installation of await this.lifecycle.listStaleUnconfirmedUninstalls(
      checkCutoff,
      BATCH,
    )) {
      if (!installation.uninstalledAt) {
        continue;
      }
      await enqueueFresh(
        this.producer,
        QueueName.TOKEN_REVOCATION,
        {
          correlationId: randomUUID(),
          acceptedAt: now,
          installationId: installation.id,
          reason: 'uninstalled',
        },
        { jobId: cleanupJobIds.revocation(installation.id, undefined, installation.uninstalledAt) },
      );
      uninstallChecks += 1;
    }
    let dataDeletions = 0;
    for (const request of await this.deletions.listPendingDataDeletions(cutoff, BATCH)) {
      await enqueueFresh(
        this.producer,
        QueueName.META_DATA_DELETION,
        { correlationId: randomUUID(), acceptedAt: now, deletionRequestId: request.id },
        { jobId: cleanupJobIds.metaDataDeletion(request.id) },
      );
      dataDeletions += 1;
    }
    for (const [what, n] of Object.entries({ purges, uninstallChecks, dataDeletions })) {
      if (n > 0) {
        this.metrics.overdueRequeued.inc({ what }, n);
        this.logger.warn({ msg: 'overdue deletion promises queued again', what, count: n });
      }
    }
    return {
      'overdue-purges': purges,
      'overdue-uninstall-checks': uninstallChecks,
      'overdue-data-deletions': dataDeletions,
    };
  }

  private async drain(deleteBatch: (batch: number) => Promise<number>): Promise<number> {
    let total = 0;
    for (let i = 0; i < MAX_BATCHES; i += 1) {
      const n = await deleteBatch(BATCH);
      total += n;
      if (n < BATCH) {
        break;
      }
    }
    return total;
  }

  private count(what: string, n: number): void {
    if (n > 0) {
      this.metrics.removed.inc({ what }, n);
    }
  }
}
