import { Logger } from '@nestjs/common';
import { Metrics } from '@app/platform';
import {
  BACKOFF_STRATEGY,
  classifiedBackoff,
  ConversationOrder,
  defaultJobOptions,
  ORDERED_JOB_OPTIONS,
  OrderQueueKeys,
  QueueName,
  runJobs,
} from '@app/queues';
import Bull, { Job, Queue } from 'bull';
import Redis from 'ioredis';
import { TEST_REDIS_URL } from '../support/services';
import { deleteKeysWithPrefix, testRedisPrefix } from '../support/test-redis';
import { waitFor } from '../support/wait-for';

interface Data {
  acceptedAt: number;
  correlationId: string;
  failures?: number;
  n: number;
}

/** A Bull queue as the apps configure one (the classified backoff carries the deferrals). */
function queueOf(name: string, prefix: string): Queue<Data> {
  return new Bull<Data>(name, TEST_REDIS_URL, {
    prefix,
    defaultJobOptions: defaultJobOptions(1),
    settings: { backoffStrategies: { [BACKOFF_STRATEGY]: classifiedBackoff } },
  });
}

const dataOf = (n: number): Data => ({ acceptedAt: Date.now(), correlationId: `c${n}`, n });

describe('conversation order: leaving wakes the next head (real Redis, Bull queues)', () => {
  const prefix = testRedisPrefix();
  let redis: Redis;
  let queue: Queue<Data>;
  let order: ConversationOrder;
  let keys: OrderQueueKeys;
  let conversationCount = 0;

  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL);
    queue = queueOf('order-wake', prefix);
    await queue.isReady();
    order = new ConversationOrder(redis, prefix);
    keys = ConversationOrder.queueKeys(queue);
  });

  afterAll(async () => {
    await queue?.close();
    redis?.disconnect();
    await deleteKeysWithPrefix(prefix);
  });

  afterEach(async () => {
    await queue.empty();
    await queue.resume();
  });

  /**
   * A fresh conversation: job `a` (its head, taken and leased as a worker would) then `b`,
   * with `b` queued as `where` says, behind two jobs of other conversations already waiting.
   */
  async function conversationWith(
    where: 'delayed' | 'waiting' | 'active',
  ): Promise<{ conversation: string; a: string; b: string; lease: string }> {
    conversationCount += 1;
    const conversation = `conv-${conversationCount}`;
    const [a, b] = [`${conversation}.a`, `${conversation}.b`];
    await order.addAll([
      { id: a, conversation, score: 1 },
      { id: b, conversation, score: 2 },
    ]);
    await queue.add(dataOf(0), { jobId: `${conversation}.x1` });
    await queue.add(dataOf(0), { jobId: `${conversation}.x2` });
    // The planned retry of a job that deferred for its turn: far off, so only a wake moves it.
    await queue.add(dataOf(2), { jobId: b, delay: where === 'delayed' ? 60_000 : 0 });
    if (where === 'active') {
      // Taken by a worker (Bull's moveToActive moves it from wait to active).
      expect(await redis.lrem(keys.wait, 1, b)).toBe(1);
      await redis.lpush(queue.toKey('active'), b);
    }
    const entry = await order.enter(a, conversation, 1, 15_000);
    if (entry.status !== 'head') {
      throw new Error(`expected ${a} to be the head, was ${entry.status}`);
    }
    return { conversation, a, b, lease: entry.lease };
  }

  it("moves a delayed next head to the end of the wait list workers take from, delay 0, with Bull's waiting event", async () => {
    const { conversation, a, b, lease } = await conversationWith('delayed');
    expect(await redis.zscore(keys.delayed, b)).not.toBeNull();
    const events: string[] = [];
    const subscribed = new Promise((resolve) => queue.once('registered:waiting', resolve));
    queue.on('waiting', (jobId: string) => events.push(String(jobId)));
    await subscribed;

    await expect(order.leave(a, conversation, lease, true, keys)).resolves.toBe(b);

    expect(await redis.lrange(keys.wait, -1, -1)).toEqual([b]);
    // Bull LPUSHes: the two earlier jobs sit left of b, to be taken after it.
    expect(await redis.lrange(keys.wait, 0, -1)).toEqual([
      `${conversation}.x2`,
      `${conversation}.x1`,
      b,
    ]);
    expect(await redis.zscore(keys.delayed, b)).toBeNull();
    expect(await redis.hget(`${keys.jobPrefix}${b}`, 'delay')).toBe('0');
    expect(await redis.zrange(order.key(conversation), 0, -1)).toEqual([b]);
    expect(await redis.exists(order.leaseKey(conversation))).toBe(0);
    // The next job a worker takes is b (Bull's moveToActive pops the right end).
    expect(await redis.rpoplpush(keys.wait, queue.toKey('active'))).toBe(b);
    await waitFor('the waiting event', () => events.includes(b));
    expect(events).toContain(b);
  });

  it('wakes it into the paused list while the queue is paused', async () => {
    const { conversation, a, b, lease } = await conversationWith('delayed');
    await queue.pause();
    expect(await redis.exists(keys.metaPaused)).toBe(1);

    await expect(order.leave(a, conversation, lease, true, keys)).resolves.toBe(b);

    expect(await redis.lrange(keys.paused, -1, -1)).toEqual([b]);
    expect(await redis.lrange(keys.wait, 0, -1)).toEqual([]);
    expect(await redis.zscore(keys.delayed, b)).toBeNull();
    expect(await redis.hget(`${keys.jobPrefix}${b}`, 'delay')).toBe('0');
  });

  it('leaves a next head alone that is waiting already or running', async () => {
    for (const where of ['waiting', 'active'] as const) {
      const { conversation, a, b, lease } = await conversationWith(where);
      const wait = await redis.lrange(keys.wait, 0, -1);
      const active = await redis.lrange(queue.toKey('active'), 0, -1);

      await expect(order.leave(a, conversation, lease, true, keys)).resolves.toBeUndefined();

      expect(await redis.lrange(keys.wait, 0, -1)).toEqual(wait);
      expect(await redis.lrange(queue.toKey('active'), 0, -1)).toEqual(active);
      expect(await redis.zrange(order.key(conversation), 0, -1)).toEqual([b]);
      expect(await redis.hget(`${keys.jobPrefix}${b}`, 'delay')).toBe('0');
      await redis.lrem(queue.toKey('active'), 0, b);
    }
  });

  it('wakes nothing when the head stays (it will retry), and releases its lease', async () => {
    const { conversation, a, b, lease } = await conversationWith('delayed');

    await expect(order.leave(a, conversation, lease, false, keys)).resolves.toBeUndefined();

    expect(await redis.zscore(keys.delayed, b)).not.toBeNull();
    expect(await redis.zrange(order.key(conversation), 0, -1)).toEqual([a, b]);
    expect(await redis.exists(order.leaseKey(conversation))).toBe(0);
  });

  it('tells a job behind the head whether the head holds the lease', async () => {
    const { conversation, a, b, lease } = await conversationWith('waiting');
    await expect(order.enter(b, conversation, 2, 15_000)).resolves.toEqual({
      status: 'waiting',
      head: a,
      leased: true,
    });
    await order.leave(a, conversation, lease, false, keys);
    await expect(order.enter(b, conversation, 2, 15_000)).resolves.toEqual({
      status: 'waiting',
      head: a,
      leased: false,
    });
  });

  it('wakes a deferred job that became the head before it reached the delayed set, and only then', async () => {
    // b was taken by a worker and is on its way to the delayed set when a leaves.
    const { conversation, a, b, lease } = await conversationWith('active');
    await expect(order.leave(a, conversation, lease, true, keys)).resolves.toBeUndefined();
    await redis.lrem(queue.toKey('active'), 0, b);
    await redis.zadd(keys.delayed, (Date.now() + 60_000) * 0x1000, b);

    await expect(order.wake(b, conversation, keys)).resolves.toBe(b);

    expect(await redis.lrange(keys.wait, -1, -1)).toEqual([b]);
    expect(await redis.zscore(keys.delayed, b)).toBeNull();
    // Once woken, a second look finds nothing to do.
    await expect(order.wake(b, conversation, keys)).resolves.toBeUndefined();
  });

  it('does not wake a deferred job that is not the head, or whose conversation is leased', async () => {
    const { conversation, a, b, lease } = await conversationWith('delayed');
    await expect(order.wake(b, conversation, keys)).resolves.toBeUndefined();
    expect(await redis.zscore(keys.delayed, b)).not.toBeNull();

    // a leaves the order while another run of b holds the lease: that run's leave wakes it.
    await redis.zrem(order.key(conversation), a);
    await redis.set(order.leaseKey(conversation), lease);
    await expect(order.wake(b, conversation, keys)).resolves.toBeUndefined();
    expect(await redis.zscore(keys.delayed, b)).not.toBeNull();
  });
});

describe('ordered runner: two workers on one conversation (real Redis, Bull queues)', () => {
  const prefix = testRedisPrefix();
  const queues: Array<Queue<Data>> = [];
  const connections: Redis[] = [];
  let queueCount = 0;

  afterAll(async () => {
    await Promise.all(queues.map((q) => q.close()));
    connections.forEach((c) => c.disconnect());
    await deleteKeysWithPrefix(prefix);
  });

  /** A fresh queue (its producer) and a starter of workers on it, each a runner of its own. */
  async function queueWithWorkers(conversation: string): Promise<{
    producer: Queue<Data>;
    order: ConversationOrder;
    startWorker: (concurrency: number, run: (job: Job<Data>) => Promise<string>) => Metrics;
  }> {
    queueCount += 1;
    const name = `order-workers-${queueCount}`;
    const producer = queueOf(name, prefix);
    queues.push(producer);
    await producer.isReady();
    const startWorker = (
      concurrency: number,
      run: (job: Job<Data>) => Promise<string>,
    ): Metrics => {
      const queue = queueOf(name, prefix);
      // The order's own connection, as in the relay worker (CREDENTIALS_REDIS).
      const redis = new Redis(TEST_REDIS_URL);
      queues.push(queue);
      connections.push(redis);
      const metrics = new Metrics(`worker-${queues.length}`);
      runJobs(
        {
          queue,
          name: QueueName.INSTAGRAM_INBOUND,
          concurrency,
          metrics,
          logger: new Logger(name),
          ordered: {
            redis,
            prefix,
            itemOf: (job: Job<Data>) => ({
              conversation,
              score: job.data.n,
              withoutContent: (data) => data,
            }),
          },
        },
        run,
      );
      return metrics;
    };
    return { producer, order: new ConversationOrder(producer.client, prefix), startWorker };
  }

  /** A job outcome counted by the given workers together. */
  async function counted(metrics: Metrics[], outcome: string): Promise<number> {
    let sum = 0;
    for (const m of metrics) {
      const { values } = await m.jobs.get();
      sum += values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
    }
    return sum;
  }

  it('runs every job of a backlog once, in order, one at a time', async () => {
    const conversation = 'conv-many';
    const JOBS = 60;
    const { producer, order, startWorker } = await queueWithWorkers(conversation);
    const ids = Array.from({ length: JOBS }, (_, n) => `j${String(n).padStart(3, '0')}`);
    // The whole conversation is queued before the workers start: a backlog to drain.
    await order.addAll(ids.map((id, n) => ({ id, conversation, score: n })));
    await producer.addBulk(
      ids.map((id, n) => ({ data: dataOf(n), opts: { ...ORDERED_JOB_OPTIONS, jobId: id } })),
    );
    const ran: number[] = [];
    let running = 0;
    let overlaps = 0;
    const run = async (job: Job<Data>): Promise<string> => {
      running += 1;
      overlaps += running > 1 ? 1 : 0;
      // A round trip stands for the send: the run yields, and the other worker may look.
      await producer.client.incr(`${prefix}:sends`);
      ran.push(job.data.n);
      running -= 1;
      return 'relayed';
    };
    const metrics = [startWorker(4, run), startWorker(4, run)];

    await waitFor(`all ${JOBS} jobs`, () => ran.length >= JOBS, 45_000);
    await waitFor('the conversation and the queue settled', async () => {
      const counts = await producer.getJobCounts();
      const left = counts.waiting + counts.active + counts.delayed;
      return left === 0 && (await order.pending(conversation)) === 0;
    });
    expect(ran).toEqual(Array.from({ length: JOBS }, (_, n) => n));
    expect(overlaps).toBe(0);
    expect(await counted(metrics, 'relayed')).toBe(JOBS);
    // The workers contended for the conversation: jobs waited their turn through Bull.
    expect(await counted(metrics, 'deferred')).toBeGreaterThan(0);
    expect((await producer.getJobCounts()).failed).toBe(0);
  });

  it('defers a job behind a head running in the other worker for long, and wakes it when the head is done', async () => {
    const conversation = 'conv-held';
    const { producer, order, startWorker } = await queueWithWorkers(conversation);
    const keys = ConversationOrder.queueKeys(producer);
    await order.addAll([
      { id: 'a', conversation, score: 1 },
      { id: 'b', conversation, score: 2 },
    ]);
    const ran: Array<{ id: string; at: number }> = [];
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const run = async (job: Job<Data>): Promise<string> => {
      ran.push({ id: String(job.id), at: Date.now() });
      if (job.id === 'a') {
        await gate;
      }
      return 'relayed';
    };
    // Worker 1 takes a and holds it; worker 2, started once a runs, can only take b.
    await producer.add(dataOf(1), { ...ORDERED_JOB_OPTIONS, jobId: 'a' });
    startWorker(1, run);
    await waitFor('a running', () => ran.some((r) => r.id === 'a'));
    await producer.add(dataOf(2), { ...ORDERED_JOB_OPTIONS, jobId: 'b' });
    startWorker(1, run);
    const planned = await waitFor('b deferred', async () => {
      const score = await producer.client.zscore(keys.delayed, 'b');
      return score === null ? undefined : Math.floor(Number(score) / 0x1000);
    });
    const deferredAt = Date.now();
    // Not the one-second look again: it counts on being woken.
    expect(planned - deferredAt).toBeGreaterThan(5_000);

    release();

    const b = await waitFor('b run', () => ran.find((r) => r.id === 'b'));
    expect(ran.map((r) => r.id)).toEqual(['a', 'b']);
    // Woken by a's leave, not run at its planned retry.
    expect(b.at).toBeLessThan(planned);
    await waitFor('the conversation settled', async () =>
      (await order.pending(conversation)) === 0 ? true : undefined,
    );
    expect(await order.pending(conversation)).toBe(0);
  });
});
