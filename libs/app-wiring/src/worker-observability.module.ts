import {
  DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Metrics, MetricsServer, startMetricsServer } from '@app/platform';
import { QueueName } from '@app/queues';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { CREDENTIALS_REDIS } from '@app/credentials';
import { QueueMetricsService } from './queue-metrics.service';

export interface WorkerObservabilityOptions {
  /** Listen address (HOST); all interfaces when absent. */
  host?: string;
  /** -1: off; 0: any free port. */
  port: number;
  queues: readonly QueueName[];
}

const OPTIONS = Symbol('WORKER_OBSERVABILITY_OPTIONS');

@Injectable()
export class WorkerMetricsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerMetricsListener.name);
  private server?: MetricsServer;

  constructor(
    @Inject(OPTIONS) private readonly options: WorkerObservabilityOptions,
    private readonly metrics: Metrics,
    private readonly queueMetrics: QueueMetricsService,
    @Inject(CREDENTIALS_REDIS) private readonly redis: Redis,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  get port(): number | undefined {
    return this.server?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.port < 0) {
      return;
    }
    this.server = await startMetricsServer({
      port: this.options.port,
      host: this.options.host,
      metrics: this.metrics,
      beforeScrape: () => this.queueMetrics.refresh(this.options.queues),
      readiness: async () => {
        const down: string[] = [];
        await this.redis.ping().catch(() => down.push('redis'));
        await this.dataSource.query('SELECT 1').catch(() => down.push('postgres'));
        return down;
      },
    });
    this.logger.log({ msg: 'metrics listening', port: this.server.port });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server?.close();
  }
}

/** A worker's /metrics and /health listener (the workers have no other HTTP surface). */
@Module({})
export class WorkerObservabilityModule {
  static forRoot(options: WorkerObservabilityOptions): DynamicModule {
    return {
      module: WorkerObservabilityModule,
      providers: [
        { provide: OPTIONS, useValue: options },
        QueueMetricsService,
        WorkerMetricsListener,
      ],
      exports: [WorkerMetricsListener, QueueMetricsService],
    };
  }
}
