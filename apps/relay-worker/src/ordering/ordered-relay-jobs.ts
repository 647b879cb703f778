import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  ConnectionSignals,
  CREDENTIALS_OPTIONS,
  CREDENTIALS_REDIS,
  CredentialsOptions,
  holderOf,
} from '@app/credentials';
import { Metrics } from '@app/platform';
import { HoldFor, OrderedItem, OrderedJobData, QueueName, runJobs } from '@app/queues';
import { Job, Queue } from 'bull';
import type { Redis } from 'ioredis';
import { RelayWorkerEnv } from '../config/relay-worker.env';

/**
 * Starts a relay queue's consumer in per-conversation order, with what both directions share:
 * the order's Redis, RELAY_CONCURRENCY, metrics, and items held for a lost grant.
 */
@Injectable()
export class OrderedRelayJobs {
  private readonly holdFor: HoldFor;

  constructor(
    @Inject(CREDENTIALS_REDIS) private readonly redis: Redis,
    @Inject(CREDENTIALS_OPTIONS) private readonly options: CredentialsOptions,
    private readonly metrics: Metrics,
    private readonly env: RelayWorkerEnv,
    signals: ConnectionSignals,
  ) {
    // Items failing for want of a grant wait in ConnectionSignals until it is restored.
    this.holdFor = async (error, queue, jobId) => {
      const holder = holderOf(error);
      if (
        !holder ||
        (queue !== QueueName.INSTAGRAM_INBOUND && queue !== QueueName.LIVECHAT_INBOUND)
      ) {
        return false;
      }
      return signals.hold(holder, queue, jobId);
    };
  }

  start<T extends OrderedJobData>(
    queue: Queue<T>,
    name: QueueName.INSTAGRAM_INBOUND | QueueName.LIVECHAT_INBOUND,
    logger: Logger,
    itemOf: (job: Job<T>) => OrderedItem<T>,
    run: (job: Job<T>) => Promise<string>,
  ): void {
    runJobs(
      {
        queue,
        name,
        concurrency: this.env.RELAY_CONCURRENCY,
        metrics: this.metrics,
        logger,
        ordered: {
          redis: this.redis,
          prefix: this.options.redisPrefix,
          holdFor: this.holdFor,
          itemOf,
        },
      },
      run,
    );
  }
}
