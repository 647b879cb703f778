import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { CONNECTIONS_OPTIONS, CONNECTIONS_REDIS, ConnectionsOptions } from '@app/connections';
import { Metrics } from '@app/platform';
import {
  classifiedBackoff,
  DeferJobError,
  InboundOrderIndex,
  InstagramInboundJob,
  QueueName,
  withPlannedDelay,
} from '@app/queues';
import { Job, Queue } from 'bull';
import type { Redis } from 'ioredis';
import { RelayWorkerEnv } from '../config/relay-worker.env';
import { InboundRelayService } from './inbound-relay.service';

/** Real failures (not turns waited) before an item is given up and left failed, visible. */
const MAX_FAILURES = 10;
const MAX_RATE_LIMITED = 60;
/** An installation that lost its LiveChat grant keeps its messages this long, then fails them. */
const MAX_AUTH_WAIT_MS = 24 * 3_600_000;
/** A job not at the head of its conversation looks again after this (or when promoted). */
const TURN_WAIT_MS = 1_000;
/** A head whose job no longer exists (a crashed producer, a job removed by hand) is dropped after this. */
const GHOST_AFTER_MS = 5_000;

function kindOf(error: unknown): string {
  return error && typeof error === 'object' && 'kind' in error
    ? String((error).kind)
    : 'unclassified';
}

/**
 * Consumes instagram-inbound. A job sends its item only while it is the head of its
 * conversation's order index; otherwise it is deferred (not failed) and promoted as soon as the
 * item before it finishes. Conversations never wait on one another, and a stuck one holds up
 * only itself.
 */
@Injectable()
export class InstagramInboundProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(InstagramInboundProcessor.name);
  private readonly order: InboundOrderIndex;

  constructor(
    @InjectQueue(QueueName.INSTAGRAM_INBOUND) private readonly queue: Queue<InstagramInboundJob>,
    @Inject(CONNECTIONS_REDIS) private readonly redis: Redis,
    @Inject(CONNECTIONS_OPTIONS) private readonly options: ConnectionsOptions,
    private readonly relay: InboundRelayService,
    private readonly metrics: Metrics,
    private readonly env: RelayWorkerEnv,
  ) {
    this.order = new InboundOrderIndex(redis, options.redisPrefix);
  }

  onApplicationBootstrap(): void {
    void this.queue.process(this.env.RELAY_CONCURRENCY, (job: Job<InstagramInboundJob>) =>
      this.handle(job),
    );
  }

  async handle(job: Job<InstagramInboundJob>): Promise<string> {
    const data = job.data;
    const jobId = String(job.id);
    await this.order.ensure(jobId, data);
    await this.waitForTurn(jobId, data);

    let outcome: string;
    try {
      outcome = await this.relay.relay(data);
    } catch (error) {
      if (error instanceof DeferJobError) {
        this.metrics.jobs.inc({ queue: QueueName.INSTAGRAM_INBOUND, outcome: 'deferred' });
        throw error;
      }
      throw await this.failure(job, error);
    }
    await this.finish(jobId, data);
    this.metrics.jobs.inc({ queue: QueueName.INSTAGRAM_INBOUND, outcome });
    return outcome;
  }

  /** Returns when this job's item is next in its conversation; throws a deferral otherwise. */
  private async waitForTurn(jobId: string, data: InstagramInboundJob): Promise<void> {
    for (let look = 0; look < 3; look += 1) {
      const head = await this.order.head(data.instagramAccountId, data.igsid);
      if (head === jobId) {
        return;
      }
      if (head && (await this.isGhost(head))) {
        this.logger.warn({ msg: 'dropped an order entry whose job no longer exists', jobId: head });
        await this.order.remove(head, data.instagramAccountId, data.igsid);
        continue;
      }
      if (look < 2) {
        // The head is usually milliseconds from done: a short look again beats a full deferral.
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    this.metrics.jobs.inc({ queue: QueueName.INSTAGRAM_INBOUND, outcome: 'deferred' });
    throw new DeferJobError(
      TURN_WAIT_MS,
      'an earlier message of this conversation is not relayed yet',
    );
  }

  private async isGhost(headJobId: string): Promise<boolean> {
    if (await this.queue.getJob(headJobId)) {
      return false;
    }
    const key = `${this.options.redisPrefix}:ghost:${headJobId}`;
    const firstSeen = await this.redis.set(key, String(Date.now()), 'PX', 60_000, 'NX');
    if (firstSeen === 'OK') {
      return false;
    }
    const since = Number(await this.redis.get(key));
    return Date.now() - since > GHOST_AFTER_MS;
  }

  /** Leaves the order index and wakes the next item of the conversation, if it is waiting. */
  private async finish(jobId: string, data: InstagramInboundJob): Promise<void> {
    const next = await this.order.remove(jobId, data.instagramAccountId, data.igsid);
    if (!next) {
      return;
    }
    const nextJob = await this.queue.getJob(next);
    if (nextJob && (await nextJob.isDelayed())) {
      await nextJob.promote().catch(() => undefined); // it may have started on its own meanwhile
    }
  }

  /** Decides retry or give-up for a real failure; the conversation moves on when it gives up. */
  private async failure(job: Job<InstagramInboundJob>, error: unknown): Promise<Error> {
    const data = job.data;
    const failures = (data.failures ?? 0) + 1;
    const kind = kindOf(error);
    const giveUp =
      kind === 'permanent' ||
      (kind === 'auth' && Date.now() - data.acceptedAt > MAX_AUTH_WAIT_MS) ||
      (kind === 'rate-limited' && failures >= MAX_RATE_LIMITED) ||
      (kind !== 'auth' && kind !== 'rate-limited' && failures >= MAX_FAILURES);
    const err = error instanceof Error ? error : new Error(String(error));
    this.logger.warn({
      msg: giveUp ? 'instagram item failed for good' : 'instagram item failed; will retry',
      jobId: job.id,
      correlationId: data.correlationId,
      kind,
      failures,
      reason: err.message,
    });
    if (giveUp) {
      await this.finish(String(job.id), data);
      this.metrics.jobs.inc({ queue: QueueName.INSTAGRAM_INBOUND, outcome: 'failed' });
      return withPlannedDelay(err, -1);
    }
    await job.update({ ...data, failures });
    this.metrics.jobs.inc({ queue: QueueName.INSTAGRAM_INBOUND, outcome: 'retried' });
    return withPlannedDelay(err, classifiedBackoff(failures, err));
  }
}
