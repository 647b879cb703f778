import { DynamicModule, Module } from '@nestjs/common';
import { PersistenceModule } from '@app/persistence';
import { ALL_QUEUES, QueueName, QueuesModule } from '@app/queues';
import { GatewayEnv } from './config/gateway.env';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { InstagramWebhookModule } from './webhooks/instagram/instagram-webhook.module';
import { LiveChatWebhookModule } from './webhooks/livechat/livechat-webhook.module';

/**
 * The gateway registers every queue: it produces to most and shows all of them in Bull Board.
 * It declares no processor: it never consumes.
 */
export const GATEWAY_QUEUES: readonly QueueName[] = ALL_QUEUES;

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
