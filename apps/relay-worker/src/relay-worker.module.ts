import { DynamicModule, Module } from '@nestjs/common';
import { ConnectionsModule, WorkerObservabilityModule } from '@app/connections';
import { LiveChatModule } from '@app/livechat-sdk';
import { MetaGraphModule } from '@app/meta-graph';
import { PersistenceModule } from '@app/persistence';
import { Metrics } from '@app/platform';
import { QueueName, QueuesModule } from '@app/queues';
import { RelayWorkerEnv } from './config/relay-worker.env';
import { InboundModule } from './inbound/inbound.module';
import { OutboundModule } from './outbound/outbound.module';

/** Queues this worker consumes (and the few it produces to). */
export const RELAY_WORKER_QUEUES: readonly QueueName[] = [
  QueueName.INSTAGRAM_INBOUND,
  QueueName.CUSTOMER_PROFILE,
  QueueName.LIVECHAT_INBOUND,
  QueueName.INSTAGRAM_MESSAGE_DELETE,
  QueueName.TOKEN_REVOCATION,
];

@Module({})
export class RelayWorkerConfigModule {}

@Module({})
export class RelayWorkerModule {
  static forRoot(env: Readonly<RelayWorkerEnv>): DynamicModule {
    const metrics = new Metrics('relay-worker');
    return {
      module: RelayWorkerModule,
      imports: [
        {
          module: RelayWorkerConfigModule,
          global: true,
          providers: [
            { provide: RelayWorkerEnv, useValue: env },
            { provide: Metrics, useValue: metrics },
          ],
          exports: [RelayWorkerEnv, Metrics],
        },
        LiveChatModule.forRoot({
          apiUrl: env.LIVECHAT_API_URL,
          accountsUrl: env.LIVECHAT_ACCOUNTS_URL,
          apiVersion: env.LIVECHAT_API_VERSION,
          clientId: env.LIVECHAT_CLIENT_ID,
          clientSecret: env.LIVECHAT_CLIENT_SECRET,
          timeoutMs: env.UPSTREAM_TIMEOUT_MS,
          onCall: metrics.recordUpstream,
        }),
        MetaGraphModule.forRoot({
          graphUrl: env.META_GRAPH_URL,
          graphVersion: env.META_GRAPH_VERSION,
          oauthUrl: env.META_OAUTH_URL,
          appId: env.META_APP_ID,
          appSecret: env.META_APP_SECRET,
          timeoutMs: env.UPSTREAM_TIMEOUT_MS,
          onCall: metrics.recordUpstream,
        }),
        ConnectionsModule.forRoot({ redisUrl: env.REDIS_URL, redisPrefix: env.REDIS_KEY_PREFIX }),
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
          lockDurationMs: env.QUEUE_LOCK_DURATION_MS,
          queues: RELAY_WORKER_QUEUES,
        }),
        InboundModule,
        OutboundModule,
        WorkerObservabilityModule.forRoot({ port: env.METRICS_PORT, queues: RELAY_WORKER_QUEUES }),
      ],
    };
  }
}
