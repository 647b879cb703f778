import { DynamicModule, Module } from '@nestjs/common';
import { PersistenceModule } from '@app/persistence';
import { QueueName, QueuesModule } from '@app/queues';
import { RelayWorkerEnv } from './config/relay-worker.env';

/** Queues this worker consumes (and the few it produces to). */
export const RELAY_WORKER_QUEUES: readonly QueueName[] = [
  QueueName.INSTAGRAM_INBOUND,
  QueueName.INBOUND_SWEEP,
  QueueName.LIVECHAT_INBOUND,
  QueueName.INSTAGRAM_MESSAGE_DELETE,
  QueueName.TOKEN_REVOCATION,
];

@Module({})
export class RelayWorkerConfigModule {}

@Module({})
export class RelayWorkerModule {
  static forRoot(env: Readonly<RelayWorkerEnv>): DynamicModule {
    return {
      module: RelayWorkerModule,
      imports: [
        {
          module: RelayWorkerConfigModule,
          global: true,
          providers: [{ provide: RelayWorkerEnv, useValue: env }],
          exports: [RelayWorkerEnv],
        },
        PersistenceModule.forRoot({
          databaseUrl: env.DATABASE_URL,
          tokenEncryptionKey: env.TOKEN_ENCRYPTION_KEY,
          previousTokenEncryptionKeys: env.TOKEN_ENCRYPTION_PREVIOUS_KEYS,
          applicationName: 'relay-worker',
        }),
        QueuesModule.forRoot({
          redisUrl: env.REDIS_URL,
          prefix: env.REDIS_KEY_PREFIX,
          failedJobRetentionDays: env.FAILED_JOB_RETENTION_DAYS,
          queues: RELAY_WORKER_QUEUES,
        }),
      ],
    };
  }
}
