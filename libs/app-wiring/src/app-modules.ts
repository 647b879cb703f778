import { DynamicModule } from '@nestjs/common';
import { LiveChatModule } from '@app/livechat-sdk';
import { MetaGraphModule } from '@app/meta-graph';
import { PersistenceModule } from '@app/persistence';
import { Metrics, PlatformApisEnv } from '@app/platform';
import { QueueName, QueuesModule } from '@app/queues';
import { CredentialsModule } from '@app/credentials';

/**
 * What every app wires the same way from its validated environment: Postgres, the queues it
 * uses, both platform clients (reporting to its metrics) and the credentials services.
 */
export function platformModules(
  env: Readonly<PlatformApisEnv>,
  options: { app: string; metrics: Metrics; queues: readonly QueueName[] },
): DynamicModule[] {
  return [
    PersistenceModule.forRoot({
      databaseUrl: env.DATABASE_URL,
      tokenEncryptionKey: env.TOKEN_ENCRYPTION_KEY,
      previousTokenEncryptionKeys: env.TOKEN_ENCRYPTION_PREVIOUS_KEYS,
      applicationName: options.app,
      poolSize: env.DATABASE_POOL_SIZE,
    }),
    QueuesModule.forRoot({
      redisUrl: env.REDIS_URL,
      prefix: env.REDIS_KEY_PREFIX,
      failedJobRetentionDays: env.FAILED_JOB_RETENTION_DAYS,
      lockDurationMs: env.QUEUE_LOCK_DURATION_MS,
      queues: options.queues,
      tokenEncryptionKey: env.TOKEN_ENCRYPTION_KEY,
      previousTokenEncryptionKeys: env.TOKEN_ENCRYPTION_PREVIOUS_KEYS,
    }),
    LiveChatModule.forRoot({
      apiUrl: env.LIVECHAT_API_URL,
      accountsUrl: env.LIVECHAT_ACCOUNTS_URL,
      apiVersion: env.LIVECHAT_API_VERSION,
      clientId: env.LIVECHAT_CLIENT_ID,
      clientSecret: env.LIVECHAT_CLIENT_SECRET,
      timeoutMs: env.UPSTREAM_TIMEOUT_MS,
      onCall: options.metrics.recordUpstream,
    }),
    MetaGraphModule.forRoot({
      graphUrl: env.META_GRAPH_URL,
      graphVersion: env.META_GRAPH_VERSION,
      oauthUrl: env.META_OAUTH_URL,
      appId: env.META_APP_ID,
      appSecret: env.META_APP_SECRET,
      timeoutMs: env.UPSTREAM_TIMEOUT_MS,
      onCall: options.metrics.recordUpstream,
      instagram: {
        oauthUrl: env.INSTAGRAM_OAUTH_URL,
        apiUrl: env.INSTAGRAM_API_URL,
        graphUrl: env.INSTAGRAM_GRAPH_URL,
        appId: env.META_INSTAGRAM_APP_ID,
        appSecret: env.META_INSTAGRAM_APP_SECRET,
      },
    }),
    CredentialsModule.forRoot({
      redisUrl: env.REDIS_URL,
      redisPrefix: env.REDIS_KEY_PREFIX,
      tokenEncryptionKey: env.TOKEN_ENCRYPTION_KEY,
    }),
  ];
}
