import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import {
  CONNECTIONS_OPTIONS,
  CONNECTIONS_REDIS,
  ConnectionsOptions,
} from './connections-redis.provider';
import { ConnectionSignals } from './connection-signals.service';
import { InstagramAccountDirectory } from './instagram-account-directory.service';
import { LiveChatCredentialsService } from './livechat-credentials.service';

@Global()
@Module({})
export class ConnectionsModule implements OnApplicationShutdown {
  constructor(@Inject(CONNECTIONS_REDIS) private readonly redis: Redis) {}

  static forRoot(options: ConnectionsOptions): DynamicModule {
    return {
      module: ConnectionsModule,
      providers: [
        { provide: CONNECTIONS_OPTIONS, useValue: options },
        {
          provide: CONNECTIONS_REDIS,
          useFactory: () =>
            new Redis(options.redisUrl, {
              maxRetriesPerRequest: 3,
              connectionName: 'connections',
              // The concurrent jobs' lookups, leases and order steps share one socket write per
              // tick. Order per connection is kept.
              enableAutoPipelining: true,
            }),
        },
        LiveChatCredentialsService,
        InstagramAccountDirectory,
        ConnectionSignals,
      ],
      exports: [
        CONNECTIONS_REDIS,
        CONNECTIONS_OPTIONS,
        LiveChatCredentialsService,
        InstagramAccountDirectory,
        ConnectionSignals,
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
