import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import {
  CREDENTIALS_OPTIONS,
  CREDENTIALS_REDIS,
  CredentialsOptions,
} from './credentials-redis.provider';
import { ConnectionSignals } from './connection-signals.service';
import { EchoEvidenceService } from './echo-evidence.service';
import { InstagramAccountDirectory } from './instagram-account-directory.service';
import { LiveChatCredentialsService } from './livechat-credentials.service';

@Global()
@Module({})
export class CredentialsModule implements OnApplicationShutdown {
  constructor(@Inject(CREDENTIALS_REDIS) private readonly redis: Redis) {}

  static forRoot(options: CredentialsOptions): DynamicModule {
    return {
      module: CredentialsModule,
      providers: [
        { provide: CREDENTIALS_OPTIONS, useValue: options },
        {
          provide: CREDENTIALS_REDIS,
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
        EchoEvidenceService,
      ],
      exports: [
        CREDENTIALS_REDIS,
        CREDENTIALS_OPTIONS,
        LiveChatCredentialsService,
        InstagramAccountDirectory,
        ConnectionSignals,
        EchoEvidenceService,
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
