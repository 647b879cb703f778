import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Metrics } from '@app/platform';
import { MetaDataDeletionJob, QueueName, runJobs } from '@app/queues';
import { Queue } from 'bull';
import { CleanupWorkerEnv } from '../config/cleanup-worker.env';
import { MetaDataDeletionService } from './meta-data-deletion.service';

@Injectable()
export class MetaDataDeletionProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(MetaDataDeletionProcessor.name);

  constructor(
    @InjectQueue(QueueName.META_DATA_DELETION) private readonly queue: Queue<MetaDataDeletionJob>,
    private readonly service: MetaDataDeletionService,
    private readonly metrics: Metrics,
    private readonly env: CleanupWorkerEnv,
  ) {}

  onApplicationBootstrap(): void {
    runJobs(
      {
        queue: this.queue,
        name: QueueName.META_DATA_DELETION,
        concurrency: this.env.CLEANUP_CONCURRENCY,
        metrics: this.metrics,
        logger: this.logger,
      },
      (job) => this.service.handle(job.data, String(job.id)),
    );
  }
}
