import { cleanupJobIds, itemKeys, JobOf, JobProducer, QueueName } from '@app/queues';
import type { Job, JobOptions } from 'bull';

/** Message deletes are promised within this long of the delete reaching us. */
export const MESSAGE_DELETE_PROMISE_MS = 30 * 86_400_000;

/** Defined with the other job ids (`libs/queues/src/job-ids.ts`); exported here for its users. */
export { cleanupJobIds };

/**
 * Adds a job under a deterministic id even when a finished job still holds that id (Bull would
 * silently ignore the add): a failed or completed holder is removed first. A waiting, delayed or
 * running holder is kept, and returned.
 */
export async function enqueueFresh<Q extends QueueName>(
  producer: JobProducer,
  queue: Q,
  data: JobOf<Q>,
  opts: JobOptions & { jobId: string },
): Promise<Job<JobOf<Q>>> {
  const existing = await producer.queue(queue).getJob(opts.jobId);
  if (existing) {
    const state = await existing.getState();
    if (state !== 'failed' && state !== 'completed') {
      return existing;
    }
    await existing.remove().catch(() => undefined);
  }
  return producer.add(queue, data, opts);
}

/** Schedules the purge of an installation (or some of its accounts) for `purgeAt`. */
export async function schedulePurge(
  producer: JobProducer,
  input: {
    installationId: string;
    instagramAccountIds?: string[];
    reason: JobOf<QueueName.DATA_PURGE>['reason'];
    purgeAt: Date;
    correlationId: string;
  },
): Promise<void> {
  const ids = input.instagramAccountIds?.length ? input.instagramAccountIds : undefined;
  await enqueueFresh(
    producer,
    QueueName.DATA_PURGE,
    {
      correlationId: input.correlationId,
      acceptedAt: Date.now(),
      installationId: input.installationId,
      ...(ids ? { instagramAccountIds: ids } : {}),
      reason: input.reason,
    },
    {
      jobId: cleanupJobIds.purge(input.installationId, ids, input.purgeAt),
      delay: Math.max(0, input.purgeAt.getTime() - Date.now()),
    },
  );
}

/**
 * Relay hook, right after an Instagram message landed in LiveChat and was found deleted by its
 * author (`DeletionRequestRepository.messageDeletesRequested`: the delete overtook the message,
 * or Meta delivered a deleted message again): queue the delete now. Returns whether one was
 * queued.
 */
export async function enqueueLandedDelete(
  producer: JobProducer,
  item: { instagramAccountId: string; igsid: string; itemKey: string; correlationId: string },
): Promise<boolean> {
  const mid = itemKeys.midOfMessage(item.itemKey);
  if (mid === null) {
    return false;
  }
  await enqueueFresh(
    producer,
    QueueName.INSTAGRAM_MESSAGE_DELETE,
    {
      correlationId: item.correlationId,
      acceptedAt: Date.now(),
      instagramAccountId: item.instagramAccountId,
      igsid: item.igsid,
      instagramMessageId: mid,
    },
    { jobId: cleanupJobIds.messageDeleteRetry(item.instagramAccountId, mid, 'landed') },
  );
  return true;
}
