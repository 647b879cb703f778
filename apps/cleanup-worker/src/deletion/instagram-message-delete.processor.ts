import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Metrics } from '@app/platform';
import { InstagramMessageDeleteJob, QueueName, runJobs } from '@app/queues';
import { Queue } from 'bull';
import { CleanupWorkerEnv } from '../config/cleanup-worker.env';
import { MessageDeleteService } from './message-delete.service';

@Injectable()
export class InstagramMessageDeleteProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(InstagramMessageDeleteProcessor.name);

  constructor(
    @InjectQueue(QueueName.INSTAGRAM_MESSAGE_DELETE)
    private readonly queue: Queue<InstagramMessageDeleteJob>,
    private readonly service: MessageDeleteService,
    private readonly metrics: Metrics,
    private readonly env: CleanupWorkerEnv,
  ) {}

  onApplicationBootstrap(): void {
    runJobs(
      {
        queue: this.queue,
        name: QueueName.INSTAGRAM_MESSAGE_DELETE,
        concurrency: this.env.CLEANUP_CONCURRENCY,
        metrics: this.metrics,
        logger: this.logger,
      },
      (job) => this.service.handle(job.data),
    );
  }
}
