import { Test, TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  ConversationRepository,
  InstagramAccountEntity,
  InstagramAccountRepository,
  InstallationEntity,
  InstallationRepository,
  MessageLinkRepository,
  PersistenceModule,
} from '@app/persistence';
import { createTestDatabase, TestDatabase } from './test-database';

/** The persistence lib alone on a database of its own (for tests of its statements). */
export class PersistenceHarness {
  private constructor(
    readonly db: TestDatabase,
    readonly moduleRef: TestingModule,
  ) {}

  static async start(): Promise<PersistenceHarness> {
    const db = await createTestDatabase();
    const moduleRef = await Test.createTestingModule({
      imports: [
        PersistenceModule.forRoot({
          databaseUrl: db.url,
          tokenEncryptionKey: randomBytes(32).toString('base64'),
        }),
      ],
    }).compile();
    await moduleRef.init();
    return new PersistenceHarness(db, moduleRef);
  }

  get installations(): InstallationRepository {
    return this.moduleRef.get(InstallationRepository);
  }

  get accounts(): InstagramAccountRepository {
    return this.moduleRef.get(InstagramAccountRepository);
  }

  get conversations(): ConversationRepository {
    return this.moduleRef.get(ConversationRepository);
  }

  get links(): MessageLinkRepository {
    return this.moduleRef.get(MessageLinkRepository);
  }

  get dataSource(): DataSource {
    return this.moduleRef.get(getDataSourceToken());
  }

  /** An installation with one connected Instagram account, named after `name`. */
  async business(
    name: string,
  ): Promise<{ installation: InstallationEntity; account: InstagramAccountEntity }> {
    const installation = await this.installations.upsertGrant({
      organizationId: `org-${name}`,
      accountId: null,
      accessToken: 'x',
      refreshToken: null,
      expiresAt: new Date(),
      scopes: '',
    });
    const account = await this.accounts.connect({
      installationId: installation.id,
      pageId: `page-${name}`,
      instagramAccountId: `ig-${name}`,
      pageToken: `page-token-${name}`,
      username: null,
      name: null,
      pageName: null,
      avatarUrl: null,
      connectedByUserId: null,
    });
    return { installation, account };
  }

  async close(): Promise<void> {
    await this.moduleRef.close();
    await this.db.drop();
  }
}
