import {
  DynamicModule,
  InjectionToken,
  Module,
  ModuleMetadata,
  OptionalFactoryDependency,
} from '@nestjs/common';
import { MetaGraphClient } from './meta-graph.client';
import { MetaGraphOptions } from './meta-graph.types';

export const META_GRAPH_OPTIONS = Symbol('META_GRAPH_OPTIONS');

export interface MetaGraphModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  useFactory: (...args: never[]) => MetaGraphOptions | Promise<MetaGraphOptions>;
}

/** Global: every module of an app can inject MetaGraphClient once the root imports this. */
@Module({})
export class MetaGraphModule {
  static forRoot(options: MetaGraphOptions): DynamicModule {
    return {
      module: MetaGraphModule,
      global: true,
      providers: [{ provide: META_GRAPH_OPTIONS, useValue: options }, clientProvider()],
      exports: [MetaGraphClient],
    };
  }

  /** For options that come from the app's validated config provider. */
  static forRootAsync(options: MetaGraphModuleAsyncOptions): DynamicModule {
    return {
      module: MetaGraphModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        {
          provide: META_GRAPH_OPTIONS,
          useFactory: options.useFactory as (...args: unknown[]) => MetaGraphOptions,
          inject: options.inject ?? [],
        },
        clientProvider(),
      ],
      exports: [MetaGraphClient],
    };
  }
}

function clientProvider() {
  return {
    provide: MetaGraphClient,
    useFactory: (options: MetaGraphOptions) => new MetaGraphClient(options),
    inject: [META_GRAPH_OPTIONS],
  };
}
