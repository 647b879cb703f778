import type { JobOptions, Queue } from 'bull';
import type { Redis } from 'ioredis';
import { ConversationOrder } from './conversation-order';
import { JobOf } from './job-payloads';
import { ORDERED_JOB_OPTIONS } from './queues.module';
import { QueueName } from './queue-names';

/** One job of an ordered queue with its place in its conversation's order. */
export interface OrderedJob<Q extends QueueName> {
  id: string;
  data: JobOf<Q>;
  conversation: string;
  score: number;
}

/** Bull's name for jobs added without one (what `queue.process(fn)` consumes). */
const DEFAULT_JOB_NAME = '__default__';

/**
 * A write to a capped, expiring list sent with an enqueue (LPUSH, LTRIM to `keep`, PEXPIRE):
 * records a webhook's caller wants kept alongside its jobs, in the same round trip.
 */
export interface CappedListPush {
  key: string;
  value: string;
  keep: number;
  ttlMs: number;
}

/**
 * KEYS: wait, paused, meta-paused, id, then one order key per job, then one list key per push.
 * ARGV: job key prefix, queue token, job name, job count, then per job: id, data, opts,
 * timestamp, score; then per push: value, keep, ttl ms.
 * First the pushes (one that fails, on a key of another type, fails before any job is written).
 * Then for each job not there yet: its order entry (NX: keeps a score already there), then the
 * job as Bull's own addJob script writes one with a custom id, no delay and no priority (hash,
 * wait or paused list, `waiting` event). A job id that exists is left as it is (Bull's dedup),
 * and so is its order: a redelivery that lands while the job finishes (its entry already left)
 * must not index it again, or the entry would outlive the job and hold up its conversation as a
 * ghost.
 * → per job 1 (created) or 0 (already there).
 */
const ADD_ORDERED = `
local rcall = redis.call
local prefix, token, name = ARGV[1], ARGV[2], ARGV[3]
local n = tonumber(ARGV[4])
local target = KEYS[1]
if rcall("EXISTS", KEYS[3]) == 1 then target = KEYS[2] end
for j = 1, #KEYS - 4 - n do
  local key = KEYS[4 + n + j]
  local b = 4 + n * 5 + (j - 1) * 3
  rcall("LPUSH", key, ARGV[b + 1])
  rcall("LTRIM", key, 0, tonumber(ARGV[b + 2]) - 1)
  rcall("PEXPIRE", key, ARGV[b + 3])
end
local out = {}
for i = 1, n do
  local a = 4 + (i - 1) * 5
  local jobId = ARGV[a + 1]
  rcall("INCR", KEYS[4])
  local jobKey = prefix .. jobId
  if rcall("EXISTS", jobKey) == 1 then
    rcall("PUBLISH", prefix .. "duplicated@" .. token, jobId)
    out[i] = 0
  else
    rcall("ZADD", KEYS[4 + i], "NX", ARGV[a + 5], jobId)
    rcall("HMSET", jobKey, "name", name, "data", ARGV[a + 2], "opts", ARGV[a + 3],
      "timestamp", ARGV[a + 4], "delay", 0, "priority", 0)
    rcall("LPUSH", target, jobId)
    rcall("PUBLISH", KEYS[1] .. "ing@" .. token, jobId)
    out[i] = 1
  end
end
return out`;

interface OrderedEnqueueScript {
  iglAddOrdered(...args: string[]): Promise<number[]>;
}

/** What Bull's queue object holds beyond its typings: its key names and event token. */
type BullQueueInternals = Queue & {
  keys: Record<string, string>;
  token: string;
  defaultJobOptions?: JobOptions;
};

/**
 * Enqueues the jobs of an ordered queue together with their conversation-order entries in ONE
 * Redis command (a script): a 10-item webhook is one round trip and one script run instead of
 * twenty commands, and its index and jobs land atomically (no entry whose job was never queued,
 * no job without its entry). Bull's per-job work (a deep clone of the options, a Job object, a
 * promise chain per job) is skipped: the stored job is the same, read and run by Bull as usual.
 */
export class OrderedEnqueue<Q extends QueueName> {
  private readonly order: ConversationOrder;
  private readonly queue: BullQueueInternals;
  /** The options every job of this queue is stored with, as JSON without its closing brace. */
  private readonly optsHead: string;

  constructor(queue: Queue<JobOf<Q>>, prefix: string) {
    this.queue = queue as unknown as BullQueueInternals;
    this.order = new ConversationOrder(queue.client, prefix);
    const opts: JobOptions = { ...this.queue.defaultJobOptions, ...ORDERED_JOB_OPTIONS, delay: 0 };
    const head = JSON.stringify(opts);
    this.optsHead = head.length > 2 ? `${head.slice(0, -1)},` : '{';
  }

  /**
   * Resolves once every job is queued (or was already) and every push is written; rejects when
   * any was not.
   */
  async add(
    jobs: ReadonlyArray<OrderedJob<Q>>,
    pushes: ReadonlyArray<CappedListPush> = [],
  ): Promise<{ created: number }> {
    if (jobs.length === 0 && pushes.length === 0) {
      return { created: 0 };
    }
    await this.queue.isReady();
    const keys = this.queue.keys;
    const timestamp = Date.now();
    // The number of keys varies with the batch: the script's first argument says it.
    const args: string[] = [
      String(4 + jobs.length + pushes.length),
      keys.wait,
      keys.paused,
      keys['meta-paused'],
      keys.id,
    ];
    for (const job of jobs) {
      args.push(this.order.key(job.conversation));
    }
    for (const push of pushes) {
      args.push(push.key);
    }
    args.push(keys[''], this.queue.token, DEFAULT_JOB_NAME, String(jobs.length));
    for (const job of jobs) {
      args.push(
        job.id,
        JSON.stringify(job.data),
        `${this.optsHead}"jobId":${JSON.stringify(job.id)},"timestamp":${timestamp}}`,
        String(timestamp),
        String(job.score),
      );
    }
    for (const push of pushes) {
      args.push(push.value, String(push.keep), String(push.ttlMs));
    }
    const result = await this.script().iglAddOrdered(...args);
    // Redis turns an empty Lua table into an empty array (no jobs, pushes only).
    if (!Array.isArray(result) || result.length !== jobs.length) {
      throw new Error(`queue ${this.queue.name}: the ordered enqueue answered unexpectedly`);
    }
    return { created: result.reduce((sum, created) => sum + Number(created), 0) };
  }

  private script(): Redis & OrderedEnqueueScript {
    const redis = this.queue.client as Redis & Partial<OrderedEnqueueScript>;
    if (!redis.iglAddOrdered) {
      redis.defineCommand('iglAddOrdered', { lua: ADD_ORDERED });
    }
    return redis as Redis & OrderedEnqueueScript;
  }
}
