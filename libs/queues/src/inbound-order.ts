import type { Redis } from 'ioredis';
import type { InstagramInboundJob } from './job-payloads';

/**
 * Per-conversation order of Instagram items: a sorted set per (business account, customer) whose
 * members are job ids, scored by Meta's event time then position in the POST. The gateway adds
 * members before it enqueues the jobs; a job may send its item only while it is the head, so one
 * conversation's messages reach LiveChat in order however many workers run, while other
 * conversations go on in parallel.
 */
export class InboundOrderIndex {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  key(instagramAccountId: string, igsid: string): string {
    return `${this.prefix}:order:${instagramAccountId}:${igsid}`;
  }

  /** Integer score, exact in a double: ms timestamp × 1000 + position (< 1000 per POST). */
  static score(job: Pick<InstagramInboundJob, 'timestamp' | 'position'>): number {
    return job.timestamp * 1000 + (job.position % 1000);
  }

  /** Gateway: index a batch of jobs (one round trip). Idempotent for redeliveries. */
  async addAll(jobs: Array<{ id: string; data: InstagramInboundJob }>): Promise<void> {
    if (jobs.length === 0) {
      return;
    }
    const pipeline = this.redis.pipeline();
    for (const job of jobs) {
      // NX: a redelivery keeps the first score, so it cannot move an item within its conversation.
      pipeline.zadd(
        this.key(job.data.instagramAccountId, job.data.igsid),
        'NX',
        InboundOrderIndex.score(job.data),
        job.id,
      );
    }
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (failed) {
      throw failed[0] as Error;
    }
  }

  async ensure(jobId: string, data: InstagramInboundJob): Promise<void> {
    await this.redis.zadd(
      this.key(data.instagramAccountId, data.igsid),
      'NX',
      InboundOrderIndex.score(data),
      jobId,
    );
  }

  /** The job id whose item goes next in this conversation, if any. */
  async head(instagramAccountId: string, igsid: string): Promise<string | undefined> {
    const [first] = await this.redis.zrange(this.key(instagramAccountId, igsid), 0, 0);
    return first;
  }

  /** Removes a finished (or dead) item; returns the new head. */
  async remove(
    jobId: string,
    instagramAccountId: string,
    igsid: string,
  ): Promise<string | undefined> {
    const key = this.key(instagramAccountId, igsid);
    const [, range] = (await this.redis.multi().zrem(key, jobId).zrange(key, 0, 0).exec()) ?? [];
    const next = range?.[1] as string[] | undefined;
    return next?.[0];
  }

  async pending(instagramAccountId: string, igsid: string): Promise<number> {
    return this.redis.zcard(this.key(instagramAccountId, igsid));
  }
}
