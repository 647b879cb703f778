import { DynamicModule, Module } from '@nestjs/common';
import { platformModules, WorkerObservabilityModule } from '@app/app-wiring';
import { Metrics } from '@app/platform';
import { ALL_QUEUES, QueueName } from '@app/queues';
import { CleanupMetrics } from './common/cleanup-metrics';
import { CleanupWorkerEnv } from './config/cleanup-worker.env';
import { DeletionModule } from './deletion/deletion.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { KeyRotationModule } from './key-rotation/key-rotation.module';
import { RetentionModule } from './retention/retention.module';

/** Queues this worker consumes. */
export const CLEANUP_WORKER_QUEUES: readonly QueueName[] = [
  QueueName.INSTAGRAM_MESSAGE_DELETE,
  QueueName.TOKEN_REVOCATION,
  QueueName.DATA_PURGE,
  QueueName.META_DATA_DELETION,
  QueueName.RETENTION_SWEEP,
  QueueName.TOKEN_HEALTH,
  QueueName.TOKEN_REENCRYPTION,
];

@Module({})
export class CleanupWorkerConfigModule {}

@Module({})
export class CleanupWorkerModule {
  static forRoot(env: Readonly<CleanupWorkerEnv>): DynamicModule {
    const metrics = new Metrics('cleanup-worker');
    return {
      module: CleanupWorkerModule,
      imports: [
        {
          module: CleanupWorkerConfigModule,
          global: true,
          providers: [
            { provide: CleanupWorkerEnv, useValue: env },
            { provide: Metrics, useValue: metrics },
            CleanupMetrics,
          ],
          exports: [CleanupWorkerEnv, Metrics, CleanupMetrics],
        },
        // Every queue is registered: purges remove an installation's jobs from all of them and the
        // failed-job sweep cleans all of them. Only CLEANUP_WORKER_QUEUES are consumed.
        ...platformModules(env, { app: 'cleanup-worker', metrics, queues: ALL_QUEUES }),
        LifecycleModule,
        DeletionModule,
        RetentionModule,
        KeyRotationModule,
        WorkerObservabilityModule.forRoot({
          port: env.METRICS_PORT,
          host: env.HOST,
          queues: CLEANUP_WORKER_QUEUES,
        }),
      ],
    };
  }
}
