import { DynamicModule, Module } from '@nestjs/common';
import { PersistenceModule } from '@app/persistence';
import { QueueName, QueuesModule } from '@app/queues';
import { GatewayEnv } from './config/gateway.env';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { InstagramWebhookModule } from './webhooks/instagram/instagram-webhook.module';
import { LiveChatWebhookModule } from './webhooks/livechat/livechat-webhook.module';

/** Queues the gateway produces to. It declares no processor: it never consumes. */
export const GATEWAY_QUEUES: readonly QueueName[] = [
  QueueName.INSTAGRAM_INBOUND,
  QueueName.LIVECHAT_INBOUND,
  QueueName.INSTAGRAM_MESSAGE_DELETE,
  QueueName.TOKEN_REVOCATION,
  QueueName.DATA_PURGE,
  QueueName.META_DATA_DELETION,
];

@Module({})
export class GatewayModule {
  static forRoot(env: Readonly<GatewayEnv>): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        {
          module: GatewayConfigModule,
          global: true,
          providers: [{ provide: GatewayEnv, useValue: env }],
          exports: [GatewayEnv],
        },
        PersistenceModule.forRoot({
          databaseUrl: env.DATABASE_URL,
          tokenEncryptionKey: env.TOKEN_ENCRYPTION_KEY,
          previousTokenEncryptionKeys: env.TOKEN_ENCRYPTION_PREVIOUS_KEYS,
          applicationName: 'gateway',
        }),
        QueuesModule.forRoot({
          redisUrl: env.REDIS_URL,
          prefix: env.REDIS_KEY_PREFIX,
          failedJobRetentionDays: env.FAILED_JOB_RETENTION_DAYS,
          lockDurationMs: env.QUEUE_LOCK_DURATION_MS,
          queues: GATEWAY_QUEUES,
        }),
        MetricsModule,
        HealthModule,
        InstagramWebhookModule,
        LiveChatWebhookModule,
      ],
    };
  }
}

/** Holds the validated environment for injection (`constructor(private readonly env: GatewayEnv)`). */
@Module({})
export class GatewayConfigModule {}
