import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TokenCipher } from './crypto/token-cipher';
import { TOKEN_CIPHER } from './crypto/token-cipher.provider';
import { buildDataSourceOptions } from './data-source-options';
import { AccountHealthRepository } from './repositories/account-health.repository';
import { ConversationRepository } from './repositories/conversation.repository';
import { CleanupAuditRepository } from './repositories/cleanup-audit.repository';
import { DeletionRequestRepository } from './repositories/deletion-request.repository';
import { LifecycleRepository } from './repositories/lifecycle.repository';
import { PurgeRepository } from './repositories/purge.repository';
import { InstagramAccountRepository } from './repositories/instagram-account.repository';
import { InstallationRepository } from './repositories/installation.repository';
import { TokenRotationRepository } from './repositories/token-rotation.repository';
import { MessageLinkRepository } from './repositories/message-link.repository';
import { ENTITIES } from './schema';

export interface PersistenceModuleOptions {
  databaseUrl: string;
  tokenEncryptionKey: string;
  previousTokenEncryptionKeys?: string;
  poolSize?: number;
  applicationName?: string;
}

const REPOSITORIES = [
  InstallationRepository,
  InstagramAccountRepository,
  ConversationRepository,
  MessageLinkRepository,
  DeletionRequestRepository,
  LifecycleRepository,
  PurgeRepository,
  CleanupAuditRepository,
  TokenRotationRepository,
  AccountHealthRepository,
];

@Global()
@Module({})
export class PersistenceModule {
  static forRoot(options: PersistenceModuleOptions): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [
        TypeOrmModule.forRoot({
          ...buildDataSourceOptions({
            url: options.databaseUrl,
            poolSize: options.poolSize,
            applicationName: options.applicationName,
          }),
          // Fail readiness, not boot, when Postgres is briefly away at start.
          retryAttempts: 3,
          retryDelay: 1_000,
        }),
        TypeOrmModule.forFeature(ENTITIES),
      ],
      providers: [
        {
          provide: TOKEN_CIPHER,
          useValue: TokenCipher.fromConfig(
            options.tokenEncryptionKey,
            options.previousTokenEncryptionKeys,
          ),
        },
        ...REPOSITORIES,
      ],
      exports: [TOKEN_CIPHER, ...REPOSITORIES],
    };
  }
}
