import { Logger } from '@nestjs/common';
import { kindOf, Metrics, withCorrelation } from '@app/platform';
import type { Job, Queue } from 'bull';
import type { Redis } from 'ioredis';
import { consumeQueue } from './consume';
import type { GaveUp } from './job-payloads';
import { OrderedJobRunner } from './ordered-job-runner';
import { QueueName } from './queue-names';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The fields an ordered job carries (instagram-inbound, livechat-inbound). */
export interface OrderedJobData {
  acceptedAt: number;
  correlationId: string;
  /** Real failures so far (deferrals are not failures). */
  failures?: number;
}

/** Where one job stands in its conversation's order, and what to keep of it should it fail. */
export interface OrderedItem<T extends OrderedJobData> {
  conversation: string;
  score: number;
  /** Called once when the runner gives up on the item (before the job fails for good). */
  onGiveUp?: (error: Error) => Promise<void>;
  /**
   * The job's data without its content, kept by the failed job (Bull Board shows why it failed;
   * nothing of the message stays for FAILED_JOB_RETENTION_DAYS).
   */
  withoutContent: (data: T, gaveUp: GaveUp) => T;
}

export interface OrderedWork<T extends OrderedJobData> extends OrderedItem<T> {
  job: Job<T>;
  run: () => Promise<string>;
}

/**
 * Runs a job only at its conversation's turn (enter, lease, leave, defer). It counts, logs and
 * classifies its own outcomes, because its retries are bounded by the failures it counts in the
 * job rather than by Bull's attempts.
 */
export interface OrderedExecutor {
  execute<T extends OrderedJobData>(work: OrderedWork<T>): Promise<string>;
}

/**
 * Records an item that failed for want of a grant (an auth failure naming the installation or
 * account it waits for), so that reinstalling or reconnecting runs it at once. False when the
 * error names no holder; true when the holder was released a moment ago (retry at once).
 */
export type HoldFor = (error: unknown, queue: QueueName, jobId: string) => Promise<boolean>;

export interface RunJobsOptions<T> {
  queue: Queue<T>;
  name: QueueName;
  concurrency: number;
  metrics: Metrics;
  logger: Logger;
  /** Per-conversation ordering: each job runs only when it is the head of its conversation. */
  ordered?: {
    /** Where the order, leases and ghost markers live (`redis-keys.ts`). */
    redis: Redis;
    prefix: string;
    holdFor?: HoldFor;
    itemOf: (job: Job<T & OrderedJobData>) => OrderedItem<T & OrderedJobData>;
    /** Runs each job at its turn; the default is `OrderedJobRunner` over `redis`. */
    executor?: OrderedExecutor;
  };
}

/**
 * The one consumer of every queue (unnamed jobs, one kind per queue): runs the handler under the
 * job's correlation id, counts the outcome, logs failures once with the retry decision and the
 * failure's kind. Errors are rethrown for Bull, whose `classified` backoff retries or fails them
 * by kind. With `ordered`, the run goes through the conversation order instead.
 */
export function runJobs<T extends object>(
  options: RunJobsOptions<T>,
  handler: (job: Job<T>) => Promise<string>,
): void {
  const { queue, concurrency, ordered } = options;
  if (ordered) {
    const { itemOf } = ordered;
    const executor =
      ordered.executor ??
      new OrderedJobRunner(
        options.name,
        queue,
        ordered.redis,
        ordered.prefix,
        options.metrics,
        ordered.holdFor,
        concurrency,
      );
    consumeQueue(queue, concurrency, (job: Job<T>) => {
      // The queue's payload type carries the ordered fields (checked where `ordered` is given).
      const orderedJob = job as Job<T & OrderedJobData>;
      return executor.execute({ job: orderedJob, ...itemOf(orderedJob), run: () => handler(job) });
    });
    return;
  }
  consumeQueue(queue, concurrency, (job: Job<T>) => runOne(options, job, handler));
}

async function runOne<T extends object>(
  { name, metrics, logger }: RunJobsOptions<T>,
  job: Job<T>,
  handler: (job: Job<T>) => Promise<string>,
): Promise<string> {
  const correlationId =
    'correlationId' in job.data && typeof job.data.correlationId === 'string'
      ? job.data.correlationId
      : String(job.id);
  try {
    const outcome = await withCorrelation(correlationId, () => handler(job));
    metrics.jobs.inc({ queue: name, outcome });
    return outcome;
  } catch (error) {
    const kind = kindOf(error);
    if (kind === 'deferred') {
      metrics.jobs.inc({ queue: name, outcome: 'deferred' });
      throw error;
    }
    const attempts = job.opts.attempts ?? 1;
    const last = kind === 'permanent' || job.attemptsMade + 1 >= attempts;
    logger.warn({
      msg: last ? 'job failed for good' : 'job failed; will retry',
      queue: name,
      jobId: job.id,
      correlationId,
      attempt: job.attemptsMade + 1,
      kind,
      reason: messageOf(error),
    });
    metrics.jobs.inc({ queue: name, outcome: last ? 'failed' : 'retried' });
    throw error;
  }
}
