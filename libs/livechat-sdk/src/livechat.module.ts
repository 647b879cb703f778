import {
  DynamicModule,
  Global,
  InjectionToken,
  Module,
  ModuleMetadata,
  OptionalFactoryDependency,
  Provider,
} from '@nestjs/common';
import { ConfigurationClient } from './configuration.client';
import { CustomerChatClient } from './customer-chat.client';
import { LiveChatAccountsClient } from './livechat-accounts.client';
import { LIVECHAT_CLIENT_OPTIONS, LiveChatClientOptions } from './livechat-options.types';

const CLIENTS = [LiveChatAccountsClient, CustomerChatClient, ConfigurationClient];

export interface LiveChatModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  useFactory: (...args: never[]) => LiveChatClientOptions | Promise<LiveChatClientOptions>;
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
}

/** Global: the clients are stateless, so every app shares one set. */
@Global()
@Module({})
export class LiveChatModule {
  static forRoot(options: LiveChatClientOptions): DynamicModule {
    return LiveChatModule.build([{ provide: LIVECHAT_CLIENT_OPTIONS, useValue: options }]);
  }

  static forRootAsync(options: LiveChatModuleAsyncOptions): DynamicModule {
    const module = LiveChatModule.build([
      {
        provide: LIVECHAT_CLIENT_OPTIONS,
        useFactory: options.useFactory,
        inject: options.inject ?? [],
      },
    ]);
    return { ...module, imports: options.imports ?? [] };
  }

  private static build(optionsProviders: Provider[]): DynamicModule {
    return {
      module: LiveChatModule,
      global: true,
      providers: [...optionsProviders, ...CLIENTS],
      exports: [LIVECHAT_CLIENT_OPTIONS, ...CLIENTS],
    };
  }
}
