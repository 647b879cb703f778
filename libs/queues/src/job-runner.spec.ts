import { Logger } from '@nestjs/common';
import { ClassifiedError, Metrics } from '@app/platform';
import type { Job, Queue } from 'bull';
import type { Redis } from 'ioredis';
import { DeferJobError } from './backoff';
import { OrderedExecutor, OrderedJobData, OrderedWork, runJobs } from './job-runner';
import { QueueName } from './queue-names';

type Data = OrderedJobData & { n: number };
type Handler = (job: Job<Data>) => Promise<unknown>;

/** A queue that hands its consumer to the test instead of to Bull. */
function queueFor(): { queue: Queue<Data>; consumer: () => Handler } {
  let handler: Handler | undefined;
  const queue = {
    name: QueueName.CUSTOMER_PROFILE,
    process: (_concurrency: number, h: Handler) => {
      handler = h;
      return new Promise<void>(() => undefined);
    },
  };
  return {
    queue: queue as unknown as Queue<Data>,
    consumer: () => {
      if (!handler) {
        throw new Error('no consumer started');
      }
      return handler;
    },
  };
}

function jobOf(attemptsMade: number, attempts: number): Job<Data> {
  return {
    id: 'j1',
    data: { n: 1, acceptedAt: 0, correlationId: 'c1' },
    attemptsMade,
    opts: { attempts },
  } as unknown as Job<Data>;
}

class QuietLogger extends Logger {
  readonly warned: unknown[] = [];
  override warn(message: unknown): void {
    this.warned.push(message);
  }
}

async function outcomes(metrics: Metrics): Promise<Record<string, number>> {
  const { values } = await metrics.jobs.get();
  return Object.fromEntries(values.map((v) => [String(v.labels.outcome), v.value]));
}

describe('runJobs', () => {
  const setup = () => {
    const metrics = new Metrics('test');
    const logger = new QuietLogger();
    const { queue, consumer } = queueFor();
    const start = (h: (job: Job<Data>) => Promise<string>): Handler => {
      runJobs({ queue, name: QueueName.CUSTOMER_PROFILE, concurrency: 1, metrics, logger }, h);
      return consumer();
    };
    return { metrics, logger, queue, consumer, start };
  };

  it('counts what the handler returns', async () => {
    const { metrics, start } = setup();
    const consume = start(() => Promise.resolve('skipped'));
    await expect(consume(jobOf(0, 3))).resolves.toBe('skipped');
    expect(await outcomes(metrics)).toEqual({ skipped: 1 });
  });

  it('classifies failures by kind: retried, failed for good when permanent or out of attempts, deferred', async () => {
    const { metrics, logger, start } = setup();
    const errors: Error[] = [
      new ClassifiedError('retryable', 'blip'),
      new ClassifiedError('permanent', 'bad'),
      new ClassifiedError('retryable', 'blip again'),
      new DeferJobError(10, 'not yet'),
    ];
    const consume = start(() => Promise.reject(errors.shift() ?? new Error('none left')));
    await expect(consume(jobOf(0, 3))).rejects.toThrow('blip');
    await expect(consume(jobOf(0, 3))).rejects.toThrow('bad');
    await expect(consume(jobOf(2, 3))).rejects.toThrow('blip again');
    await expect(consume(jobOf(0, 3))).rejects.toThrow('not yet');
    expect(await outcomes(metrics)).toEqual({ retried: 1, failed: 2, deferred: 1 });
    expect(logger.warned).toEqual([
      expect.objectContaining({ msg: 'job failed; will retry', kind: 'retryable', attempt: 1 }),
      expect.objectContaining({ msg: 'job failed for good', kind: 'permanent' }),
      expect.objectContaining({ msg: 'job failed for good', kind: 'retryable', attempt: 3 }),
    ]);
  });

  it('with `ordered`, hands each job and its place in the order to the executor', async () => {
    const { metrics, logger, queue, consumer } = setup();
    const seen: Array<OrderedWork<Data>> = [];
    const executor: OrderedExecutor = {
      execute: async <T extends OrderedJobData>(work: OrderedWork<T>) => {
        seen.push(work as unknown as OrderedWork<Data>);
        return `ran ${await work.run()}`;
      },
    };
    runJobs(
      {
        queue,
        name: QueueName.INSTAGRAM_INBOUND,
        concurrency: 1,
        metrics,
        logger,
        ordered: {
          redis: {} as Redis,
          prefix: 'p',
          executor,
          itemOf: (job) => ({
            conversation: `conv-${job.data.n}`,
            score: 5,
            withoutContent: (d) => d,
          }),
        },
      },
      () => Promise.resolve('relayed'),
    );
    await expect(consumer()(jobOf(0, 1))).resolves.toBe('ran relayed');
    expect(seen).toEqual([expect.objectContaining({ conversation: 'conv-1', score: 5 })]);
    expect(seen[0]?.job.id).toBe('j1');
  });
});
