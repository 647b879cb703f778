import type { Redis } from 'ioredis';
import { redisKeys } from './redis-keys';
import { randomBytes } from 'node:crypto';

/**
 * Lease tokens: a random prefix per process and a counter, unique across processes and runs
 * without drawing random bytes on every turn (`enter` runs up to three times per job attempt).
 */
const LEASE_PREFIX = randomBytes(12).toString('base64url');
let leaseCount = 0;

export type OrderEntry =
  | { status: 'head'; lease: string }
  | { status: 'busy' }
  | { status: 'waiting'; head: string | undefined };

/** KEYS: order, lease. ARGV: job id, score, lease token, lease ms. → {1} head, {2} busy, {0, head}. */
const ENTER = `
redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
local head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
if head ~= ARGV[1] then return {0, head} end
if redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[4]) then return {1} end
return {2}`;

/** KEYS: order, lease, Bull's delayed set. ARGV: job id, lease token, remove (1/0). → next if delayed. */
const LEAVE = `
if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
if ARGV[3] ~= '1' then return false end
redis.call('ZREM', KEYS[1], ARGV[1])
local head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
if head and redis.call('ZSCORE', KEYS[3], head) then return head end
return false`;

interface OrderScripts {
  iglOrderEnter(...args: string[]): Promise<[number, string | undefined]>;
  iglOrderLeave(...args: string[]): Promise<string | null>;
}

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
   * sends queued by gateways of earlier releases travel in a lane of their own: they are never
   * shown, only remembered, so they need no place in the conversation's order and must not wait
   * behind it (current gateways queue none).
   */
  static instagram(instagramAccountId: string, igsid: string, lane?: 'own-echo'): string {
    return lane ? `ig:${instagramAccountId}:${igsid}:${lane}` : `ig:${instagramAccountId}:${igsid}`;
  }

  /** The conversation of a LiveChat chat webhook. */
  static livechat(organizationId: string, chatId: string): string {
    return `lc:${organizationId}:${chatId}`;
  }

  key(conversation: string): string {
    return redisKeys.order(this.prefix, conversation);
  }

  /** Integer score, exact in a double: ms timestamp × 1000 + position (< 1000 per POST). */
  static score(timestamp: number, position: number): number {
    return timestamp * 1000 + (position % 1000);
  }

  /**
   * Producer: index a batch of jobs. Issued at once, before the jobs are added on the same
   * connection, so Redis applies the index first; with auto-pipelining it is one write. NX: a
   * redelivery keeps the first score, so it cannot move an item within its conversation.
   */
  async addAll(jobs: Array<{ id: string; conversation: string; score: number }>): Promise<void> {
    await Promise.all(
      jobs.map((job) => this.redis.zadd(this.key(job.conversation), 'NX', job.score, job.id)),
    );
  }

  /** The conversation's lease: held by the one run working on it (see `enter`). */
  leaseKey(conversation: string): string {
    return redisKeys.lease(this.prefix, conversation);
  }

  /**
   * Worker, before running a job (one round trip): indexes the job if its entry is missing, and
   * when it is the head of its conversation takes the conversation's lease for `leaseMs`.
   */
  async enter(
    jobId: string,
    conversation: string,
    score: number,
    leaseMs: number,
  ): Promise<OrderEntry> {
    const lease = `${LEASE_PREFIX}.${(leaseCount += 1)}`;
    const [status, head] = await this.scripts().iglOrderEnter(
      this.key(conversation),
      this.leaseKey(conversation),
      jobId,
      String(score),
      lease,
      String(leaseMs),
    );
    if (status === 1) {
      return { status: 'head', lease };
    }
    return status === 2 ? { status: 'busy' } : { status: 'waiting', head };
  }

  /**
   * Worker, after running a job (one round trip): releases the lease if still ours and, when the
   * job is done with (relayed, or given up), removes it from the order. Returns the new head when
   * it is a job waiting in `delayedKey` (Bull's delayed set), which the caller promotes.
   */
  async leave(
    jobId: string,
    conversation: string,
    lease: string,
    remove: boolean,
    delayedKey: string,
  ): Promise<string | undefined> {
    const next = await this.scripts().iglOrderLeave(
      this.key(conversation),
      this.leaseKey(conversation),
      delayedKey,
      jobId,
      lease,
      remove ? '1' : '0',
    );
    return next ?? undefined;
  }

  /** How many of the conversation's jobs are queued and not yet done with (the head included). */
  async pending(conversation: string): Promise<number> {
    return this.redis.zcard(this.key(conversation));
  }

  /** Removes an entry whose job no longer exists. */
  async drop(jobId: string, conversation: string): Promise<void> {
    await this.redis.zrem(this.key(conversation), jobId);
  }

  private scripts(): OrderScripts {
    const redis = this.redis as Redis & Partial<OrderScripts>;
    if (!redis.iglOrderEnter) {
      redis.defineCommand('iglOrderEnter', { numberOfKeys: 2, lua: ENTER });
      redis.defineCommand('iglOrderLeave', { numberOfKeys: 3, lua: LEAVE });
    }
    return redis as Redis & OrderScripts;
  }
}
