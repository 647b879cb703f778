import { BullModule } from '@nestjs/bull';
import { DynamicModule, Module } from '@nestjs/common';
import { JobOptions } from 'bull';
import { BACKOFF_STRATEGY, classifiedBackoff } from './backoff';
import { JobProducer } from './job.producer';
import { PayloadCipher } from './payload-cipher';
import { QueueConnections, REGISTERED_QUEUES } from './queue-connections';
import { QueueName } from './queue-names';

export interface QueuesModuleOptions {
  redisUrl: string;
  /** Key prefix of every queue: one per deployment (and per test file). */
  prefix: string;
  failedJobRetentionDays: number;
  /** Queues this process produces to or consumes. */
  queues: readonly QueueName[];
  /** Attempts before a retryable failure lands in the failed set. */
  attempts?: number;
  /** Job lock lease; a dead worker's jobs are re-run after about this long. */
  lockDurationMs?: number;
  /** TOKEN_ENCRYPTION_KEY: job content is sealed with a key derived from it (PayloadCipher). */
  tokenEncryptionKey: string;
  /** TOKEN_ENCRYPTION_PREVIOUS_KEYS: still open content sealed before a rotation. */
  previousTokenEncryptionKeys?: string;
}

export function defaultJobOptions(failedJobRetentionDays: number, attempts = 12): JobOptions {
  return {
    attempts,
    backoff: { type: BACKOFF_STRATEGY },
    // Finished jobs hold (sealed) message content: gone as soon as they succeed.
    removeOnComplete: true,
    // Failed jobs stay inspectable (Bull Board) for the retention period, then expire; the
    // ordered queues drop their content when they give up (OrderedJobRunner).
    removeOnFail: { age: failedJobRetentionDays * 86_400 },
  };
}

/**
 * Jobs of per-conversation ordered queues: waiting for its turn re-runs a job (a deferral) without
 * being a failure, so Bull's attempt budget is effectively unlimited and the processor counts real
 * failures itself (`withPlannedDelay`).
 */
export const ORDERED_JOB_OPTIONS: JobOptions = { attempts: 1_000_000, stackTraceLimit: 3 };

@Module({})
export class QueuesModule {
  static forRoot(options: QueuesModuleOptions): DynamicModule {
    const bull = BullModule.forRoot({
      url: options.redisUrl,
      prefix: options.prefix,
      defaultJobOptions: defaultJobOptions(options.failedJobRetentionDays, options.attempts),
      settings: {
        backoffStrategies: { [BACKOFF_STRATEGY]: classifiedBackoff },
        // A job whose worker died is re-run after this (the lock is renewed while it runs).
        lockDuration: options.lockDurationMs ?? 30_000,
        stalledInterval: Math.round((options.lockDurationMs ?? 30_000) / 2),
        maxStalledCount: 3,
      },
    });
    const queues = BullModule.registerQueue(...options.queues.map((name) => ({ name })));
    return {
      module: QueuesModule,
      global: true,
      imports: [bull, queues],
      providers: [
        JobProducer,
        QueueConnections,
        { provide: REGISTERED_QUEUES, useValue: options.queues },
        {
          provide: PayloadCipher,
          useValue: new PayloadCipher(
            options.tokenEncryptionKey,
            options.previousTokenEncryptionKeys,
          ),
        },
      ],
      exports: [bull, queues, JobProducer, PayloadCipher],
    };
  }
}
