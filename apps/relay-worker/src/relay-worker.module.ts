import { DynamicModule, Module } from '@nestjs/common';
import { platformModules, WorkerObservabilityModule } from '@app/app-wiring';
import { Metrics } from '@app/platform';
import { QueueName } from '@app/queues';
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
        ...platformModules(env, { app: 'relay-worker', metrics, queues: RELAY_WORKER_QUEUES }),
        InboundModule,
        OutboundModule,
        WorkerObservabilityModule.forRoot({
          port: env.METRICS_PORT,
          host: env.HOST,
          queues: RELAY_WORKER_QUEUES,
        }),
      ],
    };
  }
}
