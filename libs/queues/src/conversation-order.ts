import type { Queue } from 'bull';
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
  /** `leased`: the head holds the conversation's lease, i.e. it is running (or its run died). */
  | { status: 'waiting'; head: string | undefined; leased: boolean };

/**
 * Bull's keys and event token of the queue an order's jobs live in: leaving the order wakes the
 * next head where Bull keeps it (`ConversationOrder.queueKeys`).
 */
export interface OrderQueueKeys {
  delayed: string;
  wait: string;
  paused: string;
  metaPaused: string;
  /** A job's hash is this followed by its id (Bull's `toKey('')`). */
  jobPrefix: string;
  /** The queue object's token: Bull's `waiting` event names it. */
  token: string;
}

/** KEYS: order, lease. ARGV: job id, score, lease token, lease ms. → {1} head, {2} busy, {0, head, leased}. */
const ENTER = `
redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
local head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
if head ~= ARGV[1] then return {0, head, redis.call('EXISTS', KEYS[2])} end
if redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[4]) then return {1} end
return {2}`;

/**
 * Shared by LEAVE and WAKE. KEYS[3..6]: Bull's delayed, wait, paused, meta-paused. Moves a job
 * waiting its turn in the delayed set to the end of the wait list workers take from next, as
 * Bull's promote does (target list by the paused state, delay 0, 'waiting' event) but on the
 * other end: Bull's promote LPUSHes, behind the whole backlog, where the woken head would wait
 * while the rest of its conversation keeps being picked up and deferred again. Taking the front
 * is fair: the job was already taken from the front once, and deferred. Ordered jobs carry no
 * priority (ORDERED_JOB_OPTIONS, OrderedEnqueue), so Bull's priority branch is not needed.
 * A job not in the delayed set (running, queued already, gone) is left alone. → its id, or false.
 */
const PROMOTE = `
local function promote(id, jobPrefix, token)
  if redis.call('ZREM', KEYS[3], id) == 0 then return false end
  local target = KEYS[4]
  if redis.call('EXISTS', KEYS[6]) == 1 then target = KEYS[5] end
  redis.call('RPUSH', target, id)
  redis.call('HSET', jobPrefix .. id, 'delay', 0)
  redis.call('PUBLISH', KEYS[4] .. 'ing@' .. token, id)
  return id
end`;

/**
 * KEYS: order, lease, delayed, wait, paused, meta-paused. ARGV: job id, lease token, remove
 * (1/0), job key prefix, queue token. → the next head if it was woken (see PROMOTE), else false.
 */
const LEAVE = `${PROMOTE}
if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
if ARGV[3] ~= '1' then return false end
redis.call('ZREM', KEYS[1], ARGV[1])
local head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
if not head then return false end
return promote(head, ARGV[4], ARGV[5])`;

/**
 * KEYS: as LEAVE. ARGV: job id, job key prefix, queue token. A job that deferred to wait for its
 * turn, once in the delayed set: if it has meanwhile become the head with no run holding the
 * lease, the LEAVE that made it head found it not yet delayed, and it is woken now. → id or false.
 */
const WAKE = `${PROMOTE}
if redis.call('ZRANGE', KEYS[1], 0, 0)[1] ~= ARGV[1] then return false end
if redis.call('EXISTS', KEYS[2]) == 1 then return false end
return promote(ARGV[1], ARGV[2], ARGV[3])`;

interface OrderScripts {
  iglOrderEnter(...args: string[]): Promise<[number, string | undefined, number | undefined]>;
  iglOrderLeave(...args: string[]): Promise<string | null>;
  iglOrderWake(...args: string[]): Promise<string | null>;
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
    const [status, head, leased] = await this.scripts().iglOrderEnter(
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
    return status === 2 ? { status: 'busy' } : { status: 'waiting', head, leased: leased === 1 };
  }

  /** Bull's keys of `queue` that `leave` and `wake` need. */
  static queueKeys(queue: Queue): OrderQueueKeys {
    return {
      delayed: queue.toKey('delayed'),
      wait: queue.toKey('wait'),
      paused: queue.toKey('paused'),
      metaPaused: queue.toKey('meta-paused'),
      jobPrefix: queue.toKey(''),
      // Not in Bull's typings: the token its own scripts publish events under.
      token: (queue as Queue & { token: string }).token,
    };
  }

  /**
   * Worker, after running a job (one round trip): releases the lease if still ours and, when the
   * job is done with (relayed, or given up), removes it from the order and, when the new head
   * waits its turn in Bull's delayed set, moves it to the front of the wait list (PROMOTE).
   * Returns the id of the head it woke.
   */
  async leave(
    jobId: string,
    conversation: string,
    lease: string,
    remove: boolean,
    queue: OrderQueueKeys,
  ): Promise<string | undefined> {
    const next = await this.scripts().iglOrderLeave(
      ...this.promoteKeys(conversation, queue),
      jobId,
      lease,
      remove ? '1' : '0',
      queue.jobPrefix,
      queue.token,
    );
    return next ?? undefined;
  }

  /**
   * Worker, once a job that deferred for its turn is in Bull's delayed set: wakes it (PROMOTE) if
   * it is the head and no run holds the lease, which closes the gap where the head before it left
   * between this job's look and its move to the delayed set. Returns its id if it woke it.
   */
  async wake(
    jobId: string,
    conversation: string,
    queue: OrderQueueKeys,
  ): Promise<string | undefined> {
    const woken = await this.scripts().iglOrderWake(
      ...this.promoteKeys(conversation, queue),
      jobId,
      queue.jobPrefix,
      queue.token,
    );
    return woken ?? undefined;
  }

  /** How many of the conversation's jobs are queued and not yet done with (the head included). */
  async pending(conversation: string): Promise<number> {
    return this.redis.zcard(this.key(conversation));
  }

  /** Removes an entry whose job no longer exists. */
  async drop(jobId: string, conversation: string): Promise<void> {
    await this.redis.zrem(this.key(conversation), jobId);
  }

  private promoteKeys(conversation: string, queue: OrderQueueKeys): string[] {
    return [
      this.key(conversation),
      this.leaseKey(conversation),
      queue.delayed,
      queue.wait,
      queue.paused,
      queue.metaPaused,
    ];
  }

  private scripts(): OrderScripts {
    const redis = this.redis as Redis & Partial<OrderScripts>;
    if (!redis.iglOrderEnter) {
      redis.defineCommand('iglOrderEnter', { numberOfKeys: 2, lua: ENTER });
      redis.defineCommand('iglOrderLeave', { numberOfKeys: 6, lua: LEAVE });
      redis.defineCommand('iglOrderWake', { numberOfKeys: 6, lua: WAKE });
    }
    return redis as Redis & OrderScripts;
  }
}
