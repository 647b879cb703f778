import type { Redis } from 'ioredis';

/**
 * Per-conversation order: a sorted set per conversation (an Instagram user and a business
 * account, or a LiveChat chat) whose members are job ids, scored by the platform's event time
 * then position in the POST. Producers add members before they enqueue the jobs; a job may send
 * its item only while it is the head, so one conversation's messages reach the other side in
 * order however many workers run, while other conversations go on in parallel.
 */
export class ConversationOrder {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /**
   * The conversation of an Instagram item: business account + customer. Echoes of our own
   * sends travel in a lane of their own: they are never shown, only remembered, so they need no
   * place in the conversation's order and must not wait behind it.
   */
  static instagram(instagramAccountId: string, igsid: string, lane?: 'own-echo'): string {
    return lane ? `ig:${instagramAccountId}:${igsid}:${lane}` : `ig:${instagramAccountId}:${igsid}`;
  }

  /** The conversation of a LiveChat chat webhook. */
  static livechat(organizationId: string, chatId: string): string {
    return `lc:${organizationId}:${chatId}`;
  }

  key(conversation: string): string {
    return `${this.prefix}:order:${conversation}`;
  }

  /** Integer score, exact in a double: ms timestamp × 1000 + position (< 1000 per POST). */
  static score(timestamp: number, position: number): number {
    return timestamp * 1000 + (position % 1000);
  }

  /** Producer: index a batch of jobs (one round trip). Idempotent for redeliveries. */
  async addAll(jobs: Array<{ id: string; conversation: string; score: number }>): Promise<void> {
    if (jobs.length === 0) {
      return;
    }
    const pipeline = this.redis.pipeline();
    for (const job of jobs) {
      // NX: a redelivery keeps the first score, so it cannot move an item within its conversation.
      pipeline.zadd(this.key(job.conversation), 'NX', job.score, job.id);
    }
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (failed) {
      throw failed[0] as Error;
    }
  }

  async ensure(jobId: string, conversation: string, score: number): Promise<void> {
    await this.redis.zadd(this.key(conversation), 'NX', score, jobId);
  }

  /** The job id whose item goes next in this conversation, if any. */
  async head(conversation: string): Promise<string | undefined> {
    const [first] = await this.redis.zrange(this.key(conversation), 0, 0);
    return first;
  }

  /** Removes a finished (or dead) item; returns the new head. */
  async remove(jobId: string, conversation: string): Promise<string | undefined> {
    const key = this.key(conversation);
    const [, range] = (await this.redis.multi().zrem(key, jobId).zrange(key, 0, 0).exec()) ?? [];
    const next = range?.[1] as string[] | undefined;
    return next?.[0];
  }

  async pending(conversation: string): Promise<number> {
    return this.redis.zcard(this.key(conversation));
  }
}
