import { DynamicModule, Module } from '@nestjs/common';
import { PersistenceModule } from '@app/persistence';
import { QueueName, QueuesModule } from '@app/queues';
import { CleanupWorkerEnv } from './config/cleanup-worker.env';

export const CLEANUP_WORKER_QUEUES: readonly QueueName[] = [
  QueueName.INSTAGRAM_MESSAGE_DELETE,
  QueueName.TOKEN_REVOCATION,
  QueueName.DATA_PURGE,
  QueueName.META_DATA_DELETION,
  QueueName.RETENTION_SWEEP,
  QueueName.TOKEN_HEALTH,
];

@Module({})
export class CleanupWorkerConfigModule {}

@Module({})
export class CleanupWorkerModule {
  static forRoot(env: Readonly<CleanupWorkerEnv>): DynamicModule {
    return {
      module: CleanupWorkerModule,
      imports: [
        {
          module: CleanupWorkerConfigModule,
          global: true,
          providers: [{ provide: CleanupWorkerEnv, useValue: env }],
          exports: [CleanupWorkerEnv],
        },
        PersistenceModule.forRoot({
          databaseUrl: env.DATABASE_URL,
          tokenEncryptionKey: env.TOKEN_ENCRYPTION_KEY,
          previousTokenEncryptionKeys: env.TOKEN_ENCRYPTION_PREVIOUS_KEYS,
          applicationName: 'cleanup-worker',
        }),
        QueuesModule.forRoot({
          redisUrl: env.REDIS_URL,
          prefix: env.REDIS_KEY_PREFIX,
          failedJobRetentionDays: env.FAILED_JOB_RETENTION_DAYS,
          lockDurationMs: env.QUEUE_LOCK_DURATION_MS,
          queues: CLEANUP_WORKER_QUEUES,
        }),
      ],
    };
  }
}
