import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { MetaGraphClient } from './meta-graph.client';
import { MetaGraphModule } from './meta-graph.module';
import { MetaGraphOptions } from './meta-graph.types';

const OPTIONS: MetaGraphOptions = {
  graphUrl: 'https://graph.facebook.com',
  graphVersion: 'v26.0',
  oauthUrl: 'https://www.facebook.com',
  appId: '123',
  appSecret: 'secret',
  timeoutMs: 5000,
};

@Injectable()
class NeedsMeta {
  constructor(readonly meta: MetaGraphClient) {}
}

/** A feature module that does not import MetaGraphModule: the client must be global. */
@Module({ providers: [NeedsMeta], exports: [NeedsMeta] })
class FeatureModule {}

@Injectable()
class AppConfig {
  readonly meta = { ...OPTIONS, graphVersion: 'v25.0' };
}

@Module({ providers: [AppConfig], exports: [AppConfig] })
class ConfigModule {}

describe('MetaGraphModule', () => {
  it('forRoot provides a global MetaGraphClient', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [MetaGraphModule.forRoot(OPTIONS), FeatureModule],
    }).compile();
    const client = moduleRef.get(NeedsMeta).meta;
    expect(client).toBeInstanceOf(MetaGraphClient);
    expect(
      client.buildLoginDialogUrl({ redirectUri: 'https://x/cb', state: 's', scopes: ['a'] }),
    ).toMatch(/^https:\/\/www\.facebook\.com\/v26\.0\/dialog\/oauth\?client_id=123&/);
    await moduleRef.close();
  });

  it('forRootAsync builds the options from an injected config provider', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        MetaGraphModule.forRootAsync({
          imports: [ConfigModule],
          inject: [AppConfig],
          useFactory: (config: AppConfig) => config.meta,
        }),
        FeatureModule,
      ],
    }).compile();
    const client = moduleRef.get(NeedsMeta).meta;
    expect(
      client.buildLoginDialogUrl({ redirectUri: 'https://x/cb', state: 's', scopes: [] }),
    ).toContain('/v25.0/dialog/oauth');
    await moduleRef.close();
  });

  it('fails fast on bad options', async () => {
    await expect(
      Test.createTestingModule({
        imports: [MetaGraphModule.forRoot({ ...OPTIONS, graphVersion: 'latest' })],
      }).compile(),
    ).rejects.toThrow('graphVersion');
  });
});
