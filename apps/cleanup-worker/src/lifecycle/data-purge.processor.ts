import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Metrics } from '@app/platform';
import { DataPurgeJob, QueueName, runJobs } from '@app/queues';
import { Queue } from 'bull';
import { CleanupWorkerEnv } from '../config/cleanup-worker.env';
import { PurgeService } from './purge.service';

@Injectable()
export class DataPurgeProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(DataPurgeProcessor.name);

  constructor(
    @InjectQueue(QueueName.DATA_PURGE) private readonly queue: Queue<DataPurgeJob>,
    private readonly service: PurgeService,
    private readonly metrics: Metrics,
    private readonly env: CleanupWorkerEnv,
  ) {}

  onApplicationBootstrap(): void {
    runJobs(
      {
        queue: this.queue,
        name: QueueName.DATA_PURGE,
        concurrency: this.env.CLEANUP_CONCURRENCY,
        metrics: this.metrics,
        logger: this.logger,
      },
      (job) => this.service.purge(job.data, String(job.id)),
    );
  }
}
