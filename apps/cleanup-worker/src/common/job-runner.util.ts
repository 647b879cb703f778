import { Logger } from '@nestjs/common';
import { kindOf, Metrics, withCorrelation } from '@app/platform';
import { QueueName, consumeQueue } from '@app/queues';
import type { Job, Queue } from 'bull';

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Consumes one queue (unnamed jobs, one kind per queue): runs the handler under the job's
 * correlation id, counts the outcome, logs failures once with the retry decision. Errors are
 * rethrown for Bull, whose `classified` backoff retries or fails them by `kind`.
 */
export function consume<T extends object>(
  queue: Queue<T>,
  name: QueueName,
  concurrency: number,
  deps: { metrics: Metrics; logger: Logger },
  handler: (job: Job<T>) => Promise<string>,
): void {
  consumeQueue(queue, concurrency, async (job: Job<T>) => {
    const correlationId =
      'correlationId' in job.data && typeof job.data.correlationId === 'string'
        ? job.data.correlationId
        : String(job.id);
    try {
      const outcome = await withCorrelation(correlationId, () => handler(job));
      deps.metrics.jobs.inc({ queue: name, outcome });
      return outcome;
    } catch (error) {
      const kind = kindOf(error);
      if (kind === 'deferred') {
        deps.metrics.jobs.inc({ queue: name, outcome: 'deferred' });
        throw error;
      }
      const attempts = job.opts.attempts ?? 1;
      const last = kind === 'permanent' || job.attemptsMade + 1 >= attempts;
      deps.logger.warn({
        msg: last ? 'cleanup job failed for good' : 'cleanup job failed; will retry',
        queue: name,
        jobId: job.id,
        correlationId,
        attempt: job.attemptsMade + 1,
        kind,
        reason: messageOf(error),
      });
      deps.metrics.jobs.inc({ queue: name, outcome: last ? 'failed' : 'retried' });
      throw error;
    }
  });
}
