import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigurationClient } from './configuration.client';
import { CustomerChatClient } from './customer-chat.client';
import { LiveChatAccountsClient } from './livechat-accounts.client';
import { LiveChatModule } from './livechat.module';
import { LIVECHAT_CLIENT_OPTIONS, LiveChatClientOptions } from './livechat-options.types';

const options: LiveChatClientOptions = {
  apiUrl: 'https://api.example.test/',
  accountsUrl: 'https://accounts.example.test',
  apiVersion: 'v3.6',
  clientId: 'cid',
  clientSecret: 'super-secret-value',
  timeoutMs: 1_000,
};

@Injectable()
class EnvStub {
  readonly liveChat = options;
}

@Module({ providers: [EnvStub], exports: [EnvStub] })
class EnvModule {}

describe('LiveChatModule', () => {
  it('forRoot provides the three clients globally', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [LiveChatModule.forRoot(options)],
    }).compile();
    try {
      expect(moduleRef.get(LiveChatAccountsClient)).toBeInstanceOf(LiveChatAccountsClient);
      expect(moduleRef.get(CustomerChatClient)).toBeInstanceOf(CustomerChatClient);
      expect(moduleRef.get(ConfigurationClient)).toBeInstanceOf(ConfigurationClient);
      expect(moduleRef.get(LIVECHAT_CLIENT_OPTIONS)).toBe(options);
      // Trailing slash and `v` prefix are normalised.
      expect(
        moduleRef
          .get(LiveChatAccountsClient)
          .buildAuthorizeUrl({ redirectUri: 'https://x/cb', state: 's' }),
      ).toBe(
        'https://accounts.example.test/?response_type=code&client_id=cid&redirect_uri=https%3A%2F%2Fx%2Fcb&state=s',
      );
    } finally {
      await moduleRef.close();
    }
  });

  it('forRootAsync builds the options from an injected provider', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        LiveChatModule.forRootAsync({
          imports: [EnvModule],
          inject: [EnvStub],
          useFactory: (env: EnvStub) => env.liveChat,
        }),
      ],
    }).compile();
    try {
      expect(moduleRef.get(CustomerChatClient)).toBeInstanceOf(CustomerChatClient);
    } finally {
      await moduleRef.close();
    }
  });

  it('fails fast on bad options, naming fields but never values', () => {
    expect(
      () => new LiveChatAccountsClient({ ...options, clientSecret: '', clientId: ' ' }),
    ).toThrow('LiveChat client options missing: clientId, clientSecret');
    expect(() => new CustomerChatClient({ ...options, timeoutMs: 0 })).toThrow('timeoutMs');
    let message = '';
    try {
      new ConfigurationClient({ ...options, apiUrl: '' });
    } catch (err) {
      message = String(err);
    }
    expect(message).toContain('apiUrl');
    expect(message).not.toContain('super-secret-value');
  });
});
